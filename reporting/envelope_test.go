package reporting_test

import (
	"bytes"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	ev := sentry.NewEvent()
	ev.EventID = "0123456789abcdef0123456789abcdef"
	ev.Message = "line one\nline two"
	ev.Level = sentry.LevelError
	data, err := reporting.EncodeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	env, err := reporting.ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := env.Events()
	if err != nil || len(evs) != 1 {
		t.Fatalf("events %v, %v", evs, err)
	}
	got := map[string]string{"id": env.EventID(), "event": string(evs[0].EventID), "message": evs[0].Message, "type": env.Items[0].Header["type"].(string)}
	want := map[string]string{"id": string(ev.EventID), "event": string(ev.EventID), "message": ev.Message, "type": "event"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestParseEnvelopeForms(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		items   []string
		wantErr bool
	}{
		{"length", "{}\n{\"type\":\"event\",\"length\":2}\n{}\n", []string{"{}"}, false},
		{"length with newline inside", "{}\n{\"type\":\"attachment\",\"length\":3}\na\nb\n", []string{"a\nb"}, false},
		{"newline delimited", "{}\n{\"type\":\"event\"}\n{\"a\":1}\n{\"type\":\"session\"}\n{}", []string{`{"a":1}`, "{}"}, false},
		{"no items", "{\"event_id\":\"x\"}\n", nil, false},
		{"bad header", "nope\n", nil, true},
		{"length too long", "{}\n{\"length\":99}\nab", nil, true},
		{"negative length", "{}\n{\"length\":-1}\nab", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := reporting.ParseEnvelope([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []string
			for _, it := range env.Items {
				got = append(got, string(it.Payload))
			}
			if diff := cmp.Diff(tt.items, got); diff != "" {
				t.Errorf("items mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseEnvelope: outbox files and receivers' input come from outside;
// parsing must never panic, and what parses must hold only bytes of the
// input.
func FuzzParseEnvelope(f *testing.F) {
	ev := sentry.NewEvent()
	ev.EventID = "0123456789abcdef0123456789abcdef"
	data, _ := reporting.EncodeEvent(ev)
	f.Add(data)
	f.Add([]byte("{}\n{\"type\":\"event\"}\n{}\n"))
	f.Add([]byte("{}\n{\"length\":1e300}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		env, err := reporting.ParseEnvelope(in)
		if err != nil {
			return
		}
		for _, it := range env.Items {
			if !bytes.Contains(in, it.Payload) {
				t.Errorf("payload %q is not part of the input", it.Payload)
			}
		}
		_, _ = env.Events()
	})
}
