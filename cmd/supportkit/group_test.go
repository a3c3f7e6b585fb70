package main

import (
	"testing"
)

// TestGrouping: events are one group exactly when a person would call
// them one issue, by the rules Sentry applies.
func TestGrouping(t *testing.T) {
	stack := func(fs ...frame) string {
		out := `"stacktrace":{"frames":[`
		for i, f := range fs {
			if i > 0 {
				out += ","
			}
			inApp := "false"
			if f.InApp {
				inApp = "true"
			}
			out += `{"function":"` + f.Function + `","module":"` + f.Module + `","in_app":` + inApp + `}`
		}
		return out + "]}"
	}
	httpFrame := frame{Module: "net/http", Function: "HandlerFunc.ServeHTTP"}
	helper := frame{Module: "main", Function: "(*app).fail", InApp: true}
	open := frame{Module: "main", Function: "loadConfig", InApp: true}
	atoi := frame{Module: "main", Function: "parseID", InApp: true}
	events := map[string]string{
		"fp a":             `{"fingerprint":["internal","main.checkStock"],"exception":[{"type":"internal","value":"x 1"}]}`,
		"fp a again":       `{"fingerprint":["internal","main.checkStock"],"exception":[{"type":"internal","value":"x 2"}]}`,
		"fp b":             `{"fingerprint":["internal","main.checkPrice"],"exception":[{"type":"internal","value":"x 1"}]}`,
		"default in fp":    `{"fingerprint":["{{ default }}"],"exception":[{"type":"*os.PathError","value":"open a",` + stack(httpFrame, helper, open) + `}]}`,
		"open via helper":  `{"exception":[{"type":"*os.PathError","value":"open b",` + stack(httpFrame, helper, open) + `}]}`,
		"atoi via helper":  `{"exception":[{"type":"*strconv.NumError","value":"parse",` + stack(httpFrame, helper, atoi) + `}]}`,
		"open, other file": `{"exception":[{"type":"*os.PathError","value":"open c",` + stack(httpFrame, helper, open) + `}]}`,
		"no app frame 1":   `{"exception":[{"type":"*net.OpError","value":"dial tcp 10.0.0.1:5432: connection refused",` + stack(httpFrame) + `}]}`,
		"no app frame 2":   `{"exception":[{"type":"*net.OpError","value":"dial tcp 10.0.0.2:5432: connection refused",` + stack(httpFrame) + `}]}`,
		"no app frame 3":   `{"exception":[{"type":"*net.OpError","value":"connection reset by peer"}]}`,
		"log 7731":         `{"message":"payment 7731 declined"}`,
		"log 7732":         `{"message":"payment 7732 declined"}`,
		"log other":        `{"message":"payment refunded"}`,
		"log with id":      `{"logentry":{"message":"order 3fa85f6457174562b3fc2c963f66afa6 stuck"}}`,
		"log with id 2":    `{"logentry":{"message":"order 9c858901-8a57-4791-81fe-4c455b099bc9 stuck"}}`,
	}
	ids := map[string]string{}
	for name, payload := range events {
		ev, err := decodeEvent([]byte(payload))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ev.EventID = name
		g := groupRecords([]*record{{ev: ev}})
		ids[name] = g[0].id
	}
	same := [][]string{
		{"fp a", "fp a again"},
		{"default in fp", "open via helper", "open, other file"},
		{"no app frame 1", "no app frame 2"},
		{"log 7731", "log 7732"},
		{"log with id", "log with id 2"},
	}
	group := map[string]int{}
	for i, names := range same {
		for _, n := range names {
			group[n] = i + 1
		}
	}
	for a := range events {
		for b := range events {
			if a >= b {
				continue
			}
			wantSame := group[a] != 0 && group[a] == group[b]
			if gotSame := ids[a] == ids[b]; gotSame != wantSame {
				t.Errorf("%q and %q: one group = %v, want %v", a, b, gotSame, wantSame)
			}
		}
	}
}
