package health

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/supportkit/supportkit/errorsx"
)

// jsonBody is the application/health+json document; doc.go shows it.
type jsonBody struct {
	Status string                 `json:"status"`
	Notes  []string               `json:"notes,omitempty"`
	Checks map[string][]jsonCheck `json:"checks,omitempty"`
}

type jsonCheck struct {
	Status        string   `json:"status"`
	Time          string   `json:"time,omitempty"`
	ObservedValue *float64 `json:"observedValue,omitempty"`
	ObservedUnit  string   `json:"observedUnit,omitempty"`
	Output        string   `json:"output,omitempty"`
}

func encodeJSON(s *Snapshot, set Set, st Status, results []*Result, notes []string, details bool) []byte {
	b := jsonBody{Status: st.String(), Notes: notes}
	if len(results) > 0 {
		b.Checks = make(map[string][]jsonCheck, len(results))
	}
	for _, r := range results {
		c := jsonCheck{Status: s.checkStatus(set, r).String()}
		if !r.Time.IsZero() {
			c.Time = r.Time.UTC().Format(time.RFC3339Nano)
			ms := float64(r.Duration.Microseconds()) / 1000
			c.ObservedValue, c.ObservedUnit = &ms, "ms"
		}
		if details {
			switch {
			case r.Err != nil:
				c.Output = output(r.Err)
			case r.Pending:
				c.Output = "not run yet"
			}
		}
		b.Checks[r.Name] = []jsonCheck{c}
	}
	out, _ := json.Marshal(b)
	return append(out, '\n')
}

// output is the error text with its fields, secrets redacted:
// "http get: unexpected status (url=http://inventory/, status=503)".
func output(err error) string {
	fields := errorsx.FieldsOf(err)
	if len(fields) == 0 {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(err.Error())
	b.WriteString(" (")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", f.Key, f.Value)
	}
	b.WriteString(")")
	return b.String()
}
