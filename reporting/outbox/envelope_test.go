package outbox_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/outbox"
)

func testEvent(id string) *sentry.Event {
	ev := sentry.NewEvent()
	ev.EventID = sentry.EventID(id)
	ev.Message = "line one\nline two"
	ev.Level = sentry.LevelError
	ev.Sdk.Name, ev.Sdk.Version = "sentry.go", "0.50.0"
	return ev
}

func TestEncodeEventRoundTrip(t *testing.T) {
	ev := testEvent("0123456789abcdef0123456789abcdef")
	data, err := outbox.EncodeEvent(ev, "https://o1.ingest.sentry.io/42")
	if err != nil {
		t.Fatal(err)
	}
	env, err := outbox.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := env.Events()
	if err != nil || len(evs) != 1 {
		t.Fatalf("Events() = %v, %v; want one event", evs, err)
	}
	_, hasSentAt := env.Header["sent_at"]
	got := map[string]any{
		"id": env.EventID(), "dest": env.Destination(), "sdk": env.Header["sdk"], "sent_at": hasSentAt,
		"event": string(evs[0].EventID), "message": evs[0].Message, "type": env.Items[0].Header["type"],
	}
	want := map[string]any{
		"id": string(ev.EventID), "dest": "https://o1.ingest.sentry.io/42",
		"sdk": map[string]any{"name": "sentry.go", "version": "0.50.0"}, "sent_at": false,
		"event": string(ev.EventID), "message": ev.Message, "type": "event",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestEncodeEventLocalHasNoDestination(t *testing.T) {
	data, err := outbox.EncodeEvent(testEvent("ab"), "")
	if err != nil {
		t.Fatal(err)
	}
	env, err := outbox.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := env.Header[outbox.DestinationKey]; ok || env.Destination() != "" {
		t.Errorf("local envelope header = %v, want no %s", env.Header, outbox.DestinationKey)
	}
	if _, err := outbox.EncodeEvent(nil, ""); err == nil {
		t.Error("EncodeEvent(nil) succeeded")
	}
}

func TestEncodeItems(t *testing.T) {
	itemHeader := map[string]any{"type": "attachment", "filename": "trace.out", "length": 999}
	header := map[string]any{"event_id": "ab"}
	data, err := outbox.Encode(header,
		outbox.Item{Header: map[string]any{"type": "event"}, Payload: []byte(`{"event_id":"ab"}`)},
		outbox.Item{Header: itemHeader, Payload: []byte("a\nb\n\n")},
	)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"event_id\":\"ab\"}\n" +
		"{\"length\":17,\"type\":\"event\"}\n{\"event_id\":\"ab\"}\n" +
		"{\"filename\":\"trace.out\",\"length\":5,\"type\":\"attachment\"}\na\nb\n\n\n"
	if diff := cmp.Diff(want, string(data)); diff != "" {
		t.Errorf("Encode mismatch (-want +got):\n%s", diff)
	}
	if itemHeader["length"] != 999 || len(header) != 1 {
		t.Errorf("Encode changed the caller's maps: %v, %v", itemHeader, header)
	}
	env, err := outbox.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var payloads []string
	for _, it := range env.Items {
		payloads = append(payloads, string(it.Payload))
	}
	if diff := cmp.Diff([]string{`{"event_id":"ab"}`, "a\nb\n\n"}, payloads); diff != "" {
		t.Errorf("payloads mismatch (-want +got):\n%s", diff)
	}
}

func TestParseForms(t *testing.T) {
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
		{"empty", "", nil, true},
		{"bad header", "nope\n", nil, true},
		{"header not an object", "[1]\n", nil, true},
		{"bad item header", "{}\nnope\n", nil, true},
		{"length too long", "{}\n{\"length\":99}\nab", nil, true},
		{"negative length", "{}\n{\"length\":-1}\nab", nil, true},
		{"fractional length", "{}\n{\"length\":1.5}\nab", nil, true},
		{"huge length", "{}\n{\"length\":1e300}\nab", nil, true},
		{"length not a number", "{}\n{\"length\":\"2\"}\nab", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := outbox.Parse([]byte(tt.in))
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

// FuzzParse: outbox files and receivers' input come from outside; Parse
// must never panic, what it returns holds only bytes of the input, and
// what parses encodes to an envelope that parses to the same items.
func FuzzParse(f *testing.F) {
	data, _ := outbox.EncodeEvent(testEvent("0123456789abcdef0123456789abcdef"), "https://h/1")
	f.Add(data)
	f.Add([]byte("{}\n{\"type\":\"event\"}\n{}\n"))
	f.Add([]byte("{}\n{\"length\":1e300}\n"))
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":3}\na\nb\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		env, err := outbox.Parse(in)
		if err != nil {
			return
		}
		for _, it := range env.Items {
			if !bytes.Contains(in, it.Payload) {
				t.Errorf("payload %q is not part of the input", it.Payload)
			}
		}
		_, _ = env.Events()
		again, err := outbox.Encode(env.Header, env.Items...)
		if err != nil {
			return // e.g. a header with a number JSON cannot hold
		}
		env2, err := outbox.Parse(again)
		if err != nil {
			t.Fatalf("Parse(Encode(%q)) = %v", in, err)
		}
		if len(env2.Items) != len(env.Items) {
			t.Fatalf("items %d after re-encoding, want %d", len(env2.Items), len(env.Items))
		}
		for i := range env.Items {
			if !bytes.Equal(env.Items[i].Payload, env2.Items[i].Payload) {
				t.Errorf("item %d payload %q after re-encoding, want %q", i, env2.Items[i].Payload, env.Items[i].Payload)
			}
		}
	})
}

func TestStampSentAt(t *testing.T) {
	data, err := outbox.EncodeEvent(testEvent("0123456789abcdef0123456789abcdef"), "https://h/1")
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(data)
	at := time.Date(2026, 11, 30, 5, 0, 0, 123456789, time.FixedZone("X", 3600))
	stamped, err := outbox.StampSentAt(data, at)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, orig) {
		t.Error("StampSentAt changed its input")
	}
	env, err := outbox.Parse(stamped)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := env.Header["sent_at"], "2026-11-30T04:00:00.123456789Z"; got != want {
		t.Errorf("sent_at = %v, want %v", got, want)
	}
	_, rest, _ := bytes.Cut(data, []byte{'\n'})
	_, stampedRest, _ := bytes.Cut(stamped, []byte{'\n'})
	if !bytes.Equal(rest, stampedRest) {
		t.Errorf("items changed:\n%q\nwant\n%q", stampedRest, rest)
	}
	// A second stamp replaces the first; numbers keep every digit.
	again, err := outbox.StampSentAt([]byte(`{"n":12345678901234567890,"sent_at":"old"}`+"\nx"), at)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"n":12345678901234567890,"sent_at":"2026-11-30T04:00:00.123456789Z"}`+"\nx", string(again)); diff != "" {
		t.Errorf("restamp mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "nope\n{}", "[]\n", "{} {}\n"} {
		if _, err := outbox.StampSentAt([]byte(bad), at); err == nil {
			t.Errorf("StampSentAt(%q) succeeded", bad)
		}
	}
}

func TestDestination(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"https://public@o1.ingest.sentry.io/42", "https://o1.ingest.sentry.io/42"},
		{"https://public:secret@o1.ingest.sentry.io/42", "https://o1.ingest.sentry.io/42"},
		{"HTTPS://public@O1.Ingest.Sentry.IO:443/42/", "https://o1.ingest.sentry.io/42"},
		{"http://public@127.0.0.1:9000/7", "http://127.0.0.1:9000/7"},
		{"http://public@localhost:80/7", "http://localhost/7"},
		{"https://public@sentry.example.com/prefix/sentry/7?timeout=3", "https://sentry.example.com/prefix/sentry/7"},
		{"https://public@[::1]:8443/7", "https://[::1]:8443/7"},
	}
	for _, tt := range tests {
		got, err := outbox.Destination(tt.dsn)
		if err != nil || got != tt.want {
			t.Errorf("Destination(%q) = %q, %v; want %q", tt.dsn, got, err, tt.want)
		}
		if strings.Contains(got, "public") || strings.Contains(got, "secret") {
			t.Errorf("Destination(%q) = %q holds the key", tt.dsn, got)
		}
	}
	for _, bad := range []string{
		"", "keyABC:secretXYZ@o1.ingest.sentry.io/42", "ftp://keyABC@h/1", "https://keyABC@/1",
		"https://keyABC@h", "https://keyABC@h/", "https://keyABC@h\x7f/1", "://keyABC@h/1",
	} {
		got, err := outbox.Destination(bad)
		if err == nil {
			t.Errorf("Destination(%q) = %q, want an error", bad, got)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "keyABC") || strings.Contains(msg, "secretXYZ") {
			t.Errorf("Destination(%q) error %q holds the DSN", bad, msg)
		}
	}
}

func TestDefaultDir(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	tests := []struct{ service, want string }{
		{"orders", "orders"},
		{"../../etc", "_.._etc"},
		{"my service/v2", "my_service_v2"},
		{"..", "default"},
	}
	for _, tt := range tests {
		got, err := outbox.DefaultDir(tt.service)
		if err != nil {
			t.Fatal(err)
		}
		base, _ := os.UserCacheDir()
		if want := filepath.Join(base, "supportkit", "outbox", tt.want); got != want {
			t.Errorf("DefaultDir(%q) = %q, want %q", tt.service, got, want)
		}
	}
	got, err := outbox.DefaultDir("")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	if want := strings.TrimSuffix(filepath.Base(exe), ".exe"); filepath.Base(got) != want {
		t.Errorf("DefaultDir(\"\") = %q, want the executable's name %q", got, want)
	}
}
