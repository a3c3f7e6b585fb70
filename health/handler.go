package health

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Handler returns the HTTP handler of the probe for set: [Liveness],
// [Readiness], [Startup], or Liveness|Readiness for /healthz.
//
// It answers GET, HEAD and OPTIONS from the latest [Snapshot], without waiting for any check:
// 200 for pass and warn, 503 for fail (404 while draining if
// [WithDrainNotFound]), always with Cache-Control: no-store. The body is
// the status word ("pass\n") unless the request asks for JSON, with ?verbose
// or an Accept header naming application/health+json or application/json:
// then it is application/health+json (its shape is in the package
// documentation).
//
// ?exclude=name (repeated, or comma-separated) leaves checks out; unknown
// names are reported in the body's notes, the first ten of them (each cut
// to 64 bytes) by name and the others counted, so that the answer stays
// small whatever the query. Mounted on a pattern with a
// {check} wildcard, as [Registry.Handle] does, the handler reports a
// single check: /readyz/db.
func (r *Registry) Handler(set Set) http.Handler {
	return &handler{r: r, set: set, view: viewOf(set)}
}

// Handle mounts the probes on mux: /livez, /readyz, /startupz, /healthz
// (liveness and readiness together), each also as /<probe>/{check}. It
// mounts nothing else, so that every other path answers as the
// application's own handlers say: GET / stays 404 on a mux without a "/"
// handler. For HAProxy, point the check at /readyz ("option httpchk GET
// /readyz"), or wrap the server's handler in [Registry.HAProxyCheck].
func (r *Registry) Handle(mux *http.ServeMux) {
	for _, p := range [...]struct {
		path string
		set  Set
	}{{"/livez", Liveness}, {"/readyz", Readiness}, {"/startupz", Startup}, {"/healthz", Liveness | Readiness}} {
		h := r.Handler(p.set)
		mux.Handle(p.path, h)
		mux.Handle(p.path+"/{check}", h)
	}
}

type handler struct {
	r    *Registry
	set  Set
	view int
}

// Header values shared by every answer; assigning a shared slice to the
// header map instead of calling Set saves an allocation per probe.
var (
	noStore    = []string{"no-store"}
	textPlain  = []string{"text/plain; charset=utf-8"}
	healthJSON = []string{"application/health+json"}
	allow      = []string{"GET, HEAD, OPTIONS"}
	bodies     = [...][]byte{StatusPass: []byte("pass\n"), StatusWarn: []byte("warn\n"), StatusFail: []byte("fail\n")}
)

func (h *handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	hdr := w.Header()
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		hdr["Allow"] = allow
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s := h.r.snap.Load()
	hdr["Cache-Control"] = noStore
	name := req.PathValue("check")
	if name == "" && req.URL.RawQuery == "" && h.view >= 0 && !wantsJSON(req) {
		// The fast path: one atomic load, no allocation here. Each header
		// costs the server a copy (net/http clones the header map at
		// WriteHeader), so the fast path sets only Cache-Control and
		// lets net/http sniff the Content-Type of "pass\n", as it does for
		// any handler that writes text: text/plain; charset=utf-8.
		st := s.views[h.view]
		w.WriteHeader(h.code(s, st))
		if req.Method != http.MethodHead {
			_, _ = w.Write(bodies[st])
		}
		return
	}
	h.serveDetail(w, req, s, name)
}

// Bounds on what a query can make the handler echo.
const (
	maxNotedUnknown = 10 // unknown names in ?exclude= quoted in the notes
	maxNotedName    = 64 // bytes of each
)

// noteName is a name from the query as the notes quote it: at most
// maxNotedName bytes, cut on a rune boundary and marked "…", with
// unprintable characters (newlines that would forge lines of the plain
// body) as '?'.
func noteName(n string) string {
	cut := false
	if len(n) > maxNotedName {
		i := maxNotedName
		for i > 0 && !utf8.RuneStart(n[i]) {
			i--
		}
		n, cut = n[:i], true
	}
	n = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, n)
	if cut {
		n += "…"
	}
	return n
}

func wantsJSON(req *http.Request) bool {
	a := req.Header.Get("Accept")
	return a != "" && (strings.Contains(a, "application/health+json") || strings.Contains(a, "application/json"))
}

func (h *handler) code(s *Snapshot, st Status) int {
	if st != StatusFail {
		return http.StatusOK
	}
	if s.draining && h.set&Readiness != 0 {
		return h.r.opts.drainCode
	}
	return http.StatusServiceUnavailable
}

// serveDetail answers the slow path: a single check, exclusions, or JSON.
func (h *handler) serveDetail(w http.ResponseWriter, req *http.Request, s *Snapshot, name string) {
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		http.Error(w, "bad query", http.StatusBadRequest)
		return
	}
	_, verbose := q["verbose"]
	asJSON := verbose || wantsJSON(req)

	// The exclusions hold only this probe's checks, and at most
	// maxNotedUnknown other names are echoed, each cut short, so that the
	// answer stays small whatever the query (net/http bounds the query at
	// about 1 MB: 50,000 names).
	var notes []string
	var exclude map[string]bool
	unknown := 0
	for _, v := range q["exclude"] {
		for n := range strings.SplitSeq(v, ",") {
			if n == "" {
				continue
			}
			if i, ok := s.index[n]; ok && s.results[i].Sets&h.set != 0 {
				if exclude == nil {
					exclude = make(map[string]bool, len(s.results))
				}
				exclude[n] = true
				continue
			}
			note := "unknown check in exclude: " + noteName(n)
			switch {
			case slices.Contains(notes, note):
			case len(notes) < maxNotedUnknown:
				notes = append(notes, note)
			default:
				unknown++
			}
		}
	}
	if unknown > 0 {
		notes = append(notes, "and "+strconv.Itoa(unknown)+" more unknown checks in exclude")
	}
	if s.draining && h.set&Readiness != 0 {
		notes = append(notes, "draining: the process is shutting down")
	}

	var (
		st      Status
		results []*Result
	)
	if name != "" {
		i, ok := s.index[name]
		if !ok || s.results[i].Sets&h.set == 0 {
			w.Header()["Content-Type"] = textPlain
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("unknown check\n"))
			return
		}
		r := &s.results[i]
		st = s.checkStatus(h.set, r)
		results = []*Result{r}
	} else {
		st = s.compute(h.set, exclude)
		for i := range s.results {
			r := &s.results[i]
			if r.Sets&h.set != 0 && !exclude[r.Name] {
				results = append(results, r)
			}
		}
	}
	code := h.code(s, st)
	if name != "" && st == StatusFail {
		code = http.StatusServiceUnavailable // draining is not the check's failure
	}
	if !asJSON {
		w.Header()["Content-Type"] = textPlain
		w.WriteHeader(code)
		if req.Method != http.MethodHead {
			_, _ = w.Write(bodies[st])
			for _, n := range notes {
				_, _ = w.Write([]byte(n + "\n"))
			}
		}
		return
	}
	details := h.r.opts.authorize != nil && h.r.opts.authorize(req)
	body := encodeJSON(s, h.set, st, results, notes, &h.r.opts.service, details)
	w.Header()["Content-Type"] = healthJSON
	w.WriteHeader(code)
	if req.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
