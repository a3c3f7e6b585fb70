package health

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supportkit/supportkit/errorsx"
)

// jsonBody is the application/health+json document; doc.go shows it.
type jsonBody struct {
	Status      string                 `json:"status"`
	Version     string                 `json:"version,omitempty"`
	ReleaseID   string                 `json:"releaseId,omitempty"`
	ServiceID   string                 `json:"serviceId,omitempty"`
	Description string                 `json:"description,omitempty"`
	Notes       []string               `json:"notes,omitempty"`
	Checks      map[string][]jsonCheck `json:"checks,omitempty"`
}

type jsonCheck struct {
	ComponentType     string            `json:"componentType,omitempty"`
	ObservedValue     *float64          `json:"observedValue,omitempty"`
	ObservedUnit      string            `json:"observedUnit,omitempty"`
	Status            string            `json:"status"`
	AffectedEndpoints []string          `json:"affectedEndpoints,omitempty"`
	Time              string            `json:"time,omitempty"`
	Output            string            `json:"output,omitempty"`
	Links             map[string]string `json:"links,omitempty"`
}

// durationKey is the measurement under which every check reports how long
// its last run took.
const durationKey = ":checkDuration"

// maxOutput bounds the error text of one check in the document.
const maxOutput = 1024

func encodeJSON(s *Snapshot, set Set, st Status, results []*Result, notes []string, svc *Service, details bool) []byte {
	b := jsonBody{
		Status: st.String(), Notes: notes,
		Version: svc.Version, ReleaseID: svc.ReleaseID, ServiceID: svc.ID, Description: svc.Description,
	}
	if len(results) > 0 {
		b.Checks = make(map[string][]jsonCheck, 2*len(results))
	}
	for _, r := range results {
		status := s.checkStatus(set, r)
		c := jsonCheck{Status: status.String(), ComponentType: r.Component.Type}
		if !r.Time.IsZero() {
			c.Time = r.Time.UTC().Format(time.RFC3339Nano)
		}
		if details {
			switch {
			case r.Err != nil:
				c.Output = output(r.Err)
			case r.Pending:
				c.Output = "not run yet"
			}
			if status != StatusPass {
				c.AffectedEndpoints = r.Component.AffectedEndpoints
			}
			c.Links = r.Component.Links
		}
		if o := r.Observation; o.Measurement != "" {
			m := c
			m.ObservedValue, m.ObservedUnit = &o.Value, o.Unit
			b.Checks[r.Name+":"+o.Measurement] = []jsonCheck{m}
		}
		if !r.Time.IsZero() {
			ms := float64(r.Duration.Microseconds()) / 1000
			c.ObservedValue, c.ObservedUnit = &ms, "ms"
		}
		b.Checks[r.Name+durationKey] = []jsonCheck{c}
	}
	out, _ := json.Marshal(b)
	return append(out, '\n')
}

// output is the error text with its fields, secrets redacted, cut to
// maxOutput bytes: "http get: unexpected status (url=http://inventory/,
// status=503)".
func output(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	if fields := errorsx.FieldsOf(err); len(fields) > 0 {
		b.WriteString(" (")
		for i, f := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s=%v", f.Key, f.Value)
		}
		b.WriteString(")")
	}
	out := b.String()
	if len(out) > maxOutput {
		i := maxOutput
		for i > 0 && !utf8.RuneStart(out[i]) {
			i--
		}
		out = out[:i] + "…"
	}
	return out
}
