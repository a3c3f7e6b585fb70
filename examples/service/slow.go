package main

import (
	"net/http"
	"time"

	"github.com/supportkit/supportkit/errorsx"
)

// maxSlow bounds /slow so that one request cannot hold a connection for
// long: the server's write timeout is maxSlow + 5s (shutdown.go), and with
// the default budgets a /slow in flight at SIGTERM finishes within the
// HTTP shutdown's 14s.
const maxSlow = 10 * time.Second

// slow answers after the duration d (default 1s, at most maxSlow), or gives up
// when the client goes away: a slow request shows as a long span in the
// trace.
func (a *app) slow(w http.ResponseWriter, r *http.Request) {
	d := time.Second
	if s := r.URL.Query().Get("d"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 || d > maxSlow {
			a.sk.Fail(w, r, errorsx.InvalidArgument.New("bad duration", "d", s,
				errorsx.Public("d must be a duration between 0s and 10s, such as 2s.")))
			return
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		writeJSON(w, http.StatusOK, map[string]string{"slept": d.String()})
	case <-r.Context().Done():
	}
}
