package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportkit/supportkit/reporting/outbox"
)

// FuzzEnvelope: whatever an envelope file holds, reading it, grouping it,
// showing it (as text and JSON) and putting it in a report never panics,
// and what is shown has a title and a group.
func FuzzEnvelope(f *testing.F) {
	for _, dir := range []string{"testdata/outbox", "testdata/mixed", "testdata/mixed/rejected"} {
		des, _ := os.ReadDir(dir)
		for _, de := range des {
			if data, err := os.ReadFile(filepath.Join(dir, de.Name())); err == nil && !de.IsDir() {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("{}\n{\"type\":\"event\"}\n{\"exception\":{\"values\":[{\"stacktrace\":{\"frames\":[{\"in_app\":true}]}}]},\"fingerprint\":[\"{{ default }}\"]}\n"))
	f.Add([]byte("{}\n{\"type\":\"event\"}\n{\"timestamp\":1e300,\"threads\":[{\"id\":7}],\"tags\":[[\"a\",1]],\"request\":{\"headers\":[[\"a\",\"b\"]]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := outbox.Parse(data)
		if err != nil {
			return
		}
		r, why := recordOf(env, outbox.Found{Name: "x.envelope", Written: time.Unix(1, 0)})
		if r == nil {
			if why == "" {
				t.Fatal("no record and no reason")
			}
			return
		}
		if r.ev.title() == "" {
			t.Error("empty title")
		}
		if key, rule := groupKey(r.ev); len(key) == 0 && rule != byFingerprint {
			t.Errorf("empty group key by %s", rule)
		}
		var buf bytes.Buffer
		writeEvent(terminalSafe{&buf}, r, "g", "")
		if buf.Len() == 0 {
			t.Error("show wrote nothing")
		}
		if bytes.IndexByte(buf.Bytes(), 0x1b) >= 0 {
			t.Errorf("an escape character reaches the terminal: %q", buf.Bytes())
		}
		writeReport(io.Discard, []*record{r}, nil, window{}, 5)
		se := showEvent{Event: json.RawMessage(r.raw), Attachments: r.attachments}
		if !json.Valid(se.Event) {
			se.Event = json.RawMessage("null")
		}
		if _, err := json.Marshal(se); err != nil {
			t.Errorf("show -json cannot encode: %v", err)
		}
	})
}
