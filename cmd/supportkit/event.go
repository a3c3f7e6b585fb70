package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// event is a Sentry event as this command reads it. It is more lenient
// than sentry-go's type: a field of an unexpected type is left empty
// instead of failing the event (Sentry's protocol allows several shapes
// for some fields, such as {"values": [...]} for lists and a number for
// a thread's id).
type event struct {
	EventID     string                    `json:"event_id"`
	Timestamp   json.RawMessage           `json:"timestamp"`
	Level       string                    `json:"level"`
	Logger      string                    `json:"logger"`
	Message     string                    `json:"message"`
	LogEntry    *logEntry                 `json:"logentry"`
	Transaction string                    `json:"transaction"`
	Release     string                    `json:"release"`
	Environment string                    `json:"environment"`
	ServerName  string                    `json:"server_name"`
	Fingerprint []string                  `json:"fingerprint"`
	Tags        json.RawMessage           `json:"tags"`
	Contexts    map[string]map[string]any `json:"contexts"`
	Request     *request                  `json:"request"`
	User        map[string]any            `json:"user"`
	Breadcrumbs json.RawMessage           `json:"breadcrumbs"`
	Exception   json.RawMessage           `json:"exception"`
	Threads     json.RawMessage           `json:"threads"`
	Modules     map[string]string         `json:"modules"`

	// Decoded from the raw fields above by decodeEvent.
	time       time.Time
	tags       map[string]string
	exceptions []exception
	crumbs     []breadcrumb
	threads    []thread
}

type logEntry struct {
	Message   string `json:"message"`
	Formatted string `json:"formatted"`
}

type request struct {
	URL         string          `json:"url"`
	Method      string          `json:"method"`
	QueryString json.RawMessage `json:"query_string"`
	Data        json.RawMessage `json:"data"`
	Cookies     json.RawMessage `json:"cookies"`
	Headers     json.RawMessage `json:"headers"`
}

type exception struct {
	Type       string `json:"type"`
	Value      string `json:"value"`
	Module     string `json:"module"`
	Stacktrace *struct {
		Frames []frame `json:"frames"`
	} `json:"stacktrace"`
	Mechanism *struct {
		Type    string `json:"type"`
		Handled *bool  `json:"handled"`
	} `json:"mechanism"`
}

type frame struct {
	Function string `json:"function"`
	Module   string `json:"module"`
	Filename string `json:"filename"`
	AbsPath  string `json:"abs_path"`
	Lineno   int    `json:"lineno"`
	InApp    bool   `json:"in_app"`
}

type breadcrumb struct {
	Timestamp json.RawMessage `json:"timestamp"`
	Type      string          `json:"type"`
	Category  string          `json:"category"`
	Level     string          `json:"level"`
	Message   string          `json:"message"`
	Data      map[string]any  `json:"data"`
}

type thread struct {
	ID      json.RawMessage `json:"id"`
	Name    string          `json:"name"`
	Crashed bool            `json:"crashed"`
	Current bool            `json:"current"`
}

var errNotEvent = errors.New("the event is not a JSON object")

// decodeEvent decodes an event item's payload. Only a payload that is
// not a JSON object is an error; fields of unexpected types are left
// empty.
func decodeEvent(payload []byte) (*event, error) {
	var ev event
	if err := lenient(json.Unmarshal(payload, &ev)); err != nil {
		return nil, errNotEvent
	}
	if b := bytes.TrimSpace(payload); len(b) == 0 || b[0] != '{' {
		return nil, errNotEvent
	}
	ev.time = parseTime(ev.Timestamp)
	ev.tags = decodeTags(ev.Tags)
	for _, v := range values(ev.Exception) {
		var ex exception
		if lenient(json.Unmarshal(v, &ex)) == nil {
			ev.exceptions = append(ev.exceptions, ex)
		}
	}
	for _, v := range values(ev.Breadcrumbs) {
		var b breadcrumb
		if lenient(json.Unmarshal(v, &b)) == nil {
			ev.crumbs = append(ev.crumbs, b)
		}
	}
	for _, v := range values(ev.Threads) {
		var t thread
		if lenient(json.Unmarshal(v, &t)) == nil {
			ev.threads = append(ev.threads, t)
		}
	}
	ev.EventID = normalizeID(ev.EventID)
	return &ev, nil
}

// lenient drops the errors of values of an unexpected type, which
// encoding/json reports after decoding everything else.
func lenient(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil
	}
	return err
}

// values returns the elements of a list that Sentry allows as an array or
// as {"values": [...]}.
func values(raw json.RawMessage) []json.RawMessage {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var obj struct {
		Values []json.RawMessage `json:"values"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Values
	}
	return nil
}

// decodeTags reads tags given as an object or as a list of pairs.
func decodeTags(raw json.RawMessage) map[string]string {
	out := map[string]string{}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil {
		for k, v := range obj {
			out[k] = scalar(v)
		}
		return out
	}
	var pairs [][2]any
	if json.Unmarshal(raw, &pairs) == nil {
		for _, p := range pairs {
			out[scalar(p[0])] = scalar(p[1])
		}
	}
	return out
}

// scalar renders a JSON value on one line.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// parseTime reads a Sentry timestamp: RFC 3339 or seconds since the epoch.
func parseTime(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC()
		}
		if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
			return t.UTC()
		}
		return time.Time{}
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil && f > 0 && f < 1e11 {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	}
	return time.Time{}
}

// normalizeID writes an event ID or trace ID as Sentry shows it: 32
// lower-case hex digits, without dashes.
func normalizeID(id string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(id), "-", ""))
}

// message is the event's log message, if it has one.
func (ev *event) message() string {
	if ev.Message != "" {
		return ev.Message
	}
	if ev.LogEntry != nil {
		if ev.LogEntry.Formatted != "" {
			return ev.LogEntry.Formatted
		}
		return ev.LogEntry.Message
	}
	return ""
}

// mainException is the exception Sentry titles an event by: the last in
// the list (the outermost error of a chain).
func (ev *event) mainException() *exception {
	if len(ev.exceptions) == 0 {
		return nil
	}
	return &ev.exceptions[len(ev.exceptions)-1]
}

// title is the event's title as Sentry shows it: "type: value" of the
// main exception, or the first line of the message.
func (ev *event) title() string {
	t := ""
	if ex := ev.mainException(); ex != nil {
		switch {
		case ex.Type != "" && ex.Value != "":
			t = ex.Type + ": " + ex.Value
		case ex.Type != "":
			t = ex.Type
		default:
			t = ex.Value
		}
	}
	if t == "" {
		t = ev.message()
	}
	if t == "" {
		return "<untitled>"
	}
	t, _, _ = strings.Cut(t, "\n")
	return t
}

// traceID and spanID come from the trace context.
func (ev *event) traceID() string { return normalizeID(scalar(ev.Contexts["trace"]["trace_id"])) }
func (ev *event) spanID() string  { return scalar(ev.Contexts["trace"]["span_id"]) }

// route is the event's route: its transaction, which supportkit sets to
// the route pattern ("GET /orders/{id}"), or "" when it has none.
func (ev *event) route() string { return ev.Transaction }

// isCrash tells whether the event reports the death of the process, as
// the crash monitor writes it.
func (ev *event) isCrash() bool {
	if _, ok := ev.tags["go.crash"]; ok {
		return true
	}
	if _, ok := ev.Contexts["go_crash"]; ok {
		return true
	}
	for _, ex := range ev.exceptions {
		if ex.Mechanism != nil && ex.Mechanism.Type == "go.crash" {
			return true
		}
	}
	return false
}

// isHealth tells whether the event was logged by the health package (a
// check turning to fail, a drain).
func (ev *event) isHealth() bool {
	return ev.Logger == "health" || strings.HasPrefix(ev.Logger, "health.") || ev.tags["logger"] == "health"
}

// frameName is a frame's function as Go prints it: "pkg.Func".
func (f frame) name() string {
	switch {
	case f.Module != "" && f.Function != "":
		return f.Module + "." + f.Function
	case f.Function != "":
		return f.Function
	default:
		return "?"
	}
}

// where is a frame's file and line.
func (f frame) where() string {
	p := f.AbsPath
	if p == "" {
		p = f.Filename
	}
	if p == "" {
		return ""
	}
	if f.Lineno > 0 {
		return fmt.Sprintf("%s:%d", p, f.Lineno)
	}
	return p
}
