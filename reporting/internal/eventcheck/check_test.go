package eventcheck_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/reporting/internal/eventcheck"
)

// valid is an event of the shape sentry-go sends that Relay takes as it is.
const valid = `{
  "event_id": "0123456789abcdef0123456789abcdef",
  "timestamp": "2026-11-30T05:00:00.123456Z",
  "level": "error",
  "platform": "go",
  "release": "shop@1.4.0",
  "environment": "production",
  "server_name": "web-1",
  "transaction": "GET /orders/{id}",
  "message": "payment declined",
  "logger": "shop",
  "exception": [{
    "type": "*errors.errorString", "value": "boom", "module": "errors", "thread_id": "7",
    "mechanism": {"type": "panic", "handled": false, "exception_id": 0, "source": "cause"},
    "stacktrace": {"frames": [
      {"function": "(*Server).Serve", "module": "net/http", "abs_path": "/go/src/net/http/server.go", "lineno": 3454, "in_app": false},
      {"function": "order", "module": "main", "filename": "main.go", "lineno": 12, "in_app": true}
    ]}
  }],
  "threads": [{"id": "7", "name": "goroutine 7", "crashed": true, "current": true,
    "stacktrace": {"frames": [{"function": "order", "module": "main", "lineno": 12, "in_app": true}]}}],
  "breadcrumbs": [{"type": "default", "category": "log", "message": "start", "level": "info", "timestamp": "2026-11-30T05:00:00Z", "data": {"k": 1}}],
  "request": {"url": "http://shop/orders/1", "method": "GET", "query_string": "a=1", "headers": {"Accept": "*/*"}},
  "contexts": {
    "os": {"name": "linux", "kernel_version": "6.1"},
    "runtime": {"name": "go", "version": "go1.26.0", "go_maxprocs": 2, "go_numroutines": 9},
    "device": {"arch": "amd64", "processor_count": 2},
    "app": {"app_start_time": "2026-11-30T04:00:00Z", "app_name": "shop", "vcs_revision": "abc", "vcs_modified": false},
    "trace": {"trace_id": "0123456789abcdef0123456789abcdef", "span_id": "0123456789abcdef"},
    "fields": {"order": 1}
  },
  "modules": {"go.uber.org/zap": "v1.28.0"},
  "tags": {"code": "internal", "http.status": "500"},
  "fingerprint": ["panic", "main.order"],
  "sdk": {"name": "supportkit", "version": "v0.1.0", "integrations": ["sentry.go"], "packages": [{"name": "sentry-go", "version": "0.50.0"}]},
  "user": {"id": "42"}
}`

func TestCheckAcceptsValid(t *testing.T) {
	if got := eventcheck.Check([]byte(valid)); len(got) != 0 {
		t.Errorf("Check(valid) = %q, want no problems", got)
	}
	// The schema's canonical shapes are accepted as well.
	canon, err := eventcheck.Canonical([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if got := eventcheck.Check(canon); len(got) != 0 {
		t.Errorf("Check(Canonical(valid)) = %q, want no problems", got)
	}
}

// TestCheckFindsProblems changes one thing at a time in the valid event
// and expects exactly the problems that change makes.
func TestCheckFindsProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   []string
	}{
		{"unknown top-level key", func(m map[string]any) { m["exta"] = map[string]any{} },
			[]string{"exta: unknown top-level key (the schema's Event has additionalProperties false)"}},
		{"null context value", func(m map[string]any) { ctx(m, "runtime")["go_maxprocs"] = nil },
			[]string{"contexts.runtime.go_maxprocs: null"}},
		{"event_id with hyphens", func(m map[string]any) { m["event_id"] = "01234567-89ab-cdef-0123-456789abcdef" },
			[]string{`event_id: "01234567-89ab-cdef-0123-456789abcdef" is not 32 lower-case hex digits`}},
		{"missing event_id", func(m map[string]any) { delete(m, "event_id") }, []string{"event_id: missing"}},
		{"level warn", func(m map[string]any) { m["level"] = "warn" },
			[]string{`level: "warn" is not one of ["debug" "info" "warning" "error" "fatal"]`}},
		{"timestamp not RFC 3339", func(m map[string]any) { m["timestamp"] = "30/11/2026" },
			[]string{`timestamp: "30/11/2026" is not an RFC 3339 time`}},
		{"unknown platform", func(m map[string]any) { m["platform"] = "golang" },
			[]string{`platform: "golang" is not one of ` + fmt.Sprintf("%q", []string{"as3", "c", "cfml", "cocoa", "csharp", "elixir", "go", "groovy", "haskell", "java", "javascript", "native", "node", "objc", "other", "perl", "php", "python", "ruby"})}},
		{"release with slash", func(m map[string]any) { m["release"] = "example.com/x@v1.4.0" },
			[]string{`release: "example.com/x@v1.4.0" contains a character Sentry's release validation rejects (/, \, newline, tab)`}},
		{"release ..", func(m map[string]any) { m["release"] = ".." }, []string{`release: ".." is a restricted release name`}},
		{"release too long", func(m map[string]any) { m["release"] = strings.Repeat("a", 201) },
			[]string{"release: 201 characters, more than 200"}},
		{"environment with newline", func(m map[string]any) { m["environment"] = "prod\n" },
			[]string{`environment: "prod\n" contains a character Sentry's environment validation rejects`}},
		{"message too long", func(m map[string]any) { m["message"] = strings.Repeat("x", 8193) },
			[]string{"message: 8193 characters, more than Relay's limit of 8192"}},
		{"transaction too long", func(m map[string]any) { m["transaction"] = strings.Repeat("x", 201) },
			[]string{"transaction: 201 characters, more than Relay's limit of 200"}},
		{"thread_id a number, thread id a string", func(m map[string]any) { exc(m)["thread_id"] = json.Number("7") },
			[]string{"exception[0].thread_id: number 7 but the thread's id is string 7: Sentry matches them strictly"}},
		{"thread_id of no thread", func(m map[string]any) { exc(m)["thread_id"] = "8" },
			[]string{"exception[0].thread_id: 8 is the id of no thread"}},
		{"crashed thread not marked", func(m map[string]any) { thread(m)["crashed"] = false },
			[]string{"exception[0].thread_id: thread 7 is not marked crashed"}},
		{"mechanism without type", func(m map[string]any) { delete(exc(m)["mechanism"].(map[string]any), "type") },
			[]string{"exception[0].mechanism.type: missing"}},
		{"mechanism with unknown key", func(m map[string]any) { exc(m)["mechanism"].(map[string]any)["desc"] = "x" },
			[]string{"exception[0].mechanism.desc: unknown key (additionalProperties false in the schema)"}},
		{"handled a string", func(m map[string]any) { exc(m)["mechanism"].(map[string]any)["handled"] = "no" },
			[]string{"exception[0].mechanism.handled: want a boolean, got string"}},
		{"lineno negative", func(m map[string]any) { frame(m)["lineno"] = json.Number("-1") },
			[]string{"exception[0].stacktrace.frames[1].lineno: want an integer ≥ 0, got number"}},
		{"in_app a string", func(m map[string]any) { frame(m)["in_app"] = "true" },
			[]string{"exception[0].stacktrace.frames[1].in_app: want a boolean, got string"}},
		{"frame with unknown key", func(m map[string]any) { frame(m)["file"] = "main.go" },
			[]string{"exception[0].stacktrace.frames[1].file: unknown key (additionalProperties false in the schema)"}},
		{"stacktrace without frames", func(m map[string]any) { exc(m)["stacktrace"] = map[string]any{} },
			[]string{"exception[0].stacktrace.frames: missing"}},
		{"headers as pairs", func(m map[string]any) {
			m["request"].(map[string]any)["headers"] = []any{[]any{"Accept", "*/*"}}
		}, nil},
		{"header value a list", func(m map[string]any) {
			m["request"].(map[string]any)["headers"] = map[string]any{"Accept": []any{"*/*"}}
		}, []string{"request.headers.Accept: want a string, got array"}},
		{"request with unknown key", func(m map[string]any) { m["request"].(map[string]any)["path"] = "/" },
			[]string{"request.path: unknown key (additionalProperties false in the schema)"}},
		{"module version a number", func(m map[string]any) { m["modules"].(map[string]any)["x"] = json.Number("1") },
			[]string{"modules.x: want a string, got number"}},
		{"tag value too long", func(m map[string]any) { m["tags"].(map[string]any)["k"] = strings.Repeat("v", 201) },
			[]string{"tags.k: tag value of 201 characters, more than 200"}},
		{"tag value a number", func(m map[string]any) { m["tags"].(map[string]any)["k"] = json.Number("500") },
			[]string{"tags.k: want a string, got number"}},
		{"tag key too long", func(m map[string]any) { m["tags"].(map[string]any)[strings.Repeat("k", 201)] = "v" },
			[]string{"tags." + strings.Repeat("k", 201) + ": tag key of 201 characters, more than 200"}},
		{"fingerprint with a number", func(m map[string]any) { m["fingerprint"] = []any{"a", json.Number("1")} },
			[]string{"fingerprint[1]: want a string, got number"}},
		{"sdk without version", func(m map[string]any) { delete(m["sdk"].(map[string]any), "version") },
			[]string{"sdk.version: missing"}},
		{"trace context short span_id", func(m map[string]any) { ctx(m, "trace")["span_id"] = "0123" },
			[]string{`contexts.trace.span_id: "0123" is not 16 lower-case hex digits`}},
		{"trace context without trace_id", func(m map[string]any) { delete(ctx(m, "trace"), "trace_id") },
			[]string{"contexts.trace.trace_id: missing"}},
		{"device processor_count a string", func(m map[string]any) { ctx(m, "device")["processor_count"] = "2" },
			[]string{"contexts.device.processor_count: want an integer ≥ 0, got string"}},
		{"os name a number", func(m map[string]any) { ctx(m, "os")["name"] = json.Number("1") },
			[]string{"contexts.os.name: want a string, got number"}},
		{"context not an object", func(m map[string]any) { m["contexts"].(map[string]any)["storm"] = json.Number("3") },
			[]string{"contexts.storm: want an object, got number"}},
		{"101 breadcrumbs", func(m map[string]any) {
			var l []any
			for range 101 {
				l = append(l, map[string]any{"message": "m"})
			}
			m["breadcrumbs"] = l
		}, []string{"breadcrumbs: 101 breadcrumbs, more than 100"}},
		{"breadcrumb level warn", func(m map[string]any) { m["breadcrumbs"].([]any)[0].(map[string]any)["level"] = "warn" },
			[]string{`breadcrumbs[0].level: "warn" is not one of ["debug" "info" "warning" "error" "fatal"]`}},
		{"user id a number", func(m map[string]any) { m["user"].(map[string]any)["id"] = json.Number("42") },
			[]string{"user.id: want a string, got number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := decode(t, valid)
			tt.change(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, eventcheck.Check(b)); diff != "" {
				t.Errorf("Check mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckTooLarge(t *testing.T) {
	m := decode(t, valid)
	m["extra"] = map[string]any{"big": strings.Repeat("x", eventcheck.MaxEventBytes)}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("event is %d bytes, more than Relay's max_event_size of 1048576", len(b))}
	if diff := cmp.Diff(want, eventcheck.Check(b)); diff != "" {
		t.Errorf("Check mismatch (-want +got):\n%s", diff)
	}
}

func TestCheckNotAnObject(t *testing.T) {
	for _, in := range []string{``, `[]`, `"x"`, `{`} {
		if got := eventcheck.Check([]byte(in)); len(got) != 1 {
			t.Errorf("Check(%q) = %q, want one problem", in, got)
		}
	}
}

func TestCanonical(t *testing.T) {
	got, err := eventcheck.Canonical([]byte(`{"message":"m","exception":[{"type":"t"}],"threads":[],"breadcrumbs":{"values":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"logentry":    map[string]any{"formatted": "m"},
		"exception":   map[string]any{"values": []any{map[string]any{"type": "t"}}},
		"threads":     map[string]any{"values": []any{}},
		"breadcrumbs": map[string]any{"values": []any{}},
	}
	if diff := cmp.Diff(want, decode(t, string(got))); diff != "" {
		t.Errorf("Canonical mismatch (-want +got):\n%s", diff)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(`{"exception":{"values":[{"thread_id":1}]},"threads":{"values":[{"id":"1"}]}}`))
	f.Add([]byte(`{"tags":[["a",null],[1,2],"x"],"request":{"headers":[["a"]]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = eventcheck.Check(b) // must not panic
	})
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func ctx(m map[string]any, name string) map[string]any {
	return m["contexts"].(map[string]any)[name].(map[string]any)
}

func exc(m map[string]any) map[string]any { return m["exception"].([]any)[0].(map[string]any) }

func thread(m map[string]any) map[string]any { return m["threads"].([]any)[0].(map[string]any) }

func frame(m map[string]any) map[string]any {
	return exc(m)["stacktrace"].(map[string]any)["frames"].([]any)[1].(map[string]any)
}

// TestCheckAgainstSchema runs when SUPPORTKIT_EVENT_SCHEMA names a copy of
// Sentry's relay/event.schema.json (not kept in this repository): the
// valid event passes and every change the schema forbids is found.
func TestCheckAgainstSchema(t *testing.T) {
	path := os.Getenv("SUPPORTKIT_EVENT_SCHEMA")
	if path == "" {
		t.Log("SUPPORTKIT_EVENT_SCHEMA is not set: Sentry's schema is not here; the Check tests carry the load")
		return
	}
	if got, err := eventcheck.CheckAgainstSchema(path, []byte(valid)); err != nil || len(got) != 0 {
		t.Errorf("CheckAgainstSchema(valid) = %q, %v; want no problems", got, err)
	}
	bad := map[string]func(m map[string]any){
		"unknown top-level key": func(m map[string]any) { m["exta"] = "x" },
		"level warn":            func(m map[string]any) { m["level"] = "warn" },
		"mechanism unknown key": func(m map[string]any) { exc(m)["mechanism"].(map[string]any)["desc"] = "x" },
		"lineno a string":       func(m map[string]any) { frame(m)["lineno"] = "12" },
		"tag value a number":    func(m map[string]any) { m["tags"].(map[string]any)["k"] = json.Number("1") },
		"fingerprint number":    func(m map[string]any) { m["fingerprint"] = []any{json.Number("1")} },
	}
	for name, change := range bad {
		m := decode(t, valid)
		change(m)
		b, _ := json.Marshal(m)
		got, err := eventcheck.CheckAgainstSchema(path, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Errorf("%s: CheckAgainstSchema found nothing", name)
		}
		if len(eventcheck.Check(b)) == 0 {
			t.Errorf("%s: Check found nothing", name)
		}
	}
}
