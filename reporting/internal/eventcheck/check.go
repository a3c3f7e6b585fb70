package eventcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits Relay enforces on an event (relay-event-schema's max_chars and
// relay-config's defaults); beyond them Relay truncates, drops the field or
// rejects the event.
const (
	// MaxEventBytes is Relay's limits.max_event_size default (1 MiB):
	// a larger event item is rejected with 413.
	MaxEventBytes = 1 << 20
	// MaxBreadcrumbs is the number of breadcrumbs Sentry keeps (the SDKs'
	// max_breadcrumbs default and the server's cap).
	MaxBreadcrumbs = 100
	// MaxMessageChars bounds message and logentry.formatted (LogEntry:
	// max_chars = message).
	MaxMessageChars = 8192
	// MaxExceptionValueChars bounds exception.value (Exception.value).
	MaxExceptionValueChars = 8192
	// MaxTagKeyChars and MaxTagValueChars bound a tag (Tags: TagEntry;
	// Relay removes a longer tag and records an error).
	MaxTagKeyChars   = 200
	MaxTagValueChars = 200
	// MaxReleaseChars bounds release (Sentry's release validation).
	MaxReleaseChars = 200
	// MaxEnvironmentChars bounds environment (Sentry's environment
	// validation).
	MaxEnvironmentChars = 64
	// MaxTransactionChars and MaxCulpritChars bound transaction and
	// culprit (max_chars = culprit).
	MaxTransactionChars = 200
	MaxCulpritChars     = 200
	// MaxLoggerChars bounds logger (max_chars = logger).
	MaxLoggerChars = 64
)

// Check returns the problems of one event given as its JSON encoding, one
// line each, "path: what is wrong"; none means Relay takes the event as it
// is. An event that is not a JSON object is one problem.
func Check(event []byte) []string {
	c := &checker{}
	if len(event) > MaxEventBytes {
		c.add("", "event is %d bytes, more than Relay's max_event_size of %d", len(event), MaxEventBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return append(c.problems, "not JSON: "+err.Error())
	}
	m, ok := v.(map[string]any)
	if !ok {
		return append(c.problems, "not a JSON object")
	}
	c.event(m)
	return c.problems
}

type checker struct{ problems []string }

func (c *checker) add(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path == "" {
		c.problems = append(c.problems, msg)
		return
	}
	c.problems = append(c.problems, path+": "+msg)
}

// topLevel are the keys of the schema's Event object
// (anyOf[0].properties, additionalProperties false), plus "message", the
// legacy alias of logentry that Relay still reads and sentry-go sends.
var topLevel = map[string]func(*checker, string, any){
	"breadcrumbs":      (*checker).breadcrumbs,
	"contexts":         (*checker).contexts,
	"culprit":          maxString(MaxCulpritChars),
	"debug_meta":       (*checker).object,
	"dist":             maxString(64),
	"environment":      (*checker).environment,
	"errors":           (*checker).array,
	"event_id":         (*checker).eventID,
	"exception":        (*checker).exceptions,
	"extra":            (*checker).object,
	"fingerprint":      (*checker).fingerprint,
	"level":            (*checker).level,
	"logentry":         (*checker).logentry,
	"logger":           maxString(MaxLoggerChars),
	"message":          maxString(MaxMessageChars),
	"modules":          (*checker).stringMap,
	"platform":         (*checker).platform,
	"received":         (*checker).timestamp,
	"release":          (*checker).release,
	"request":          (*checker).request,
	"sdk":              (*checker).sdk,
	"server_name":      (*checker).string,
	"stacktrace":       (*checker).stacktrace,
	"tags":             (*checker).tags,
	"threads":          (*checker).threads,
	"time_spent":       (*checker).uint,
	"timestamp":        (*checker).timestamp,
	"transaction":      maxString(MaxTransactionChars),
	"transaction_info": (*checker).object,
	"type":             enum("error", "csp", "hpkp", "expectct", "expectstaple", "nel", "transaction", "userreportv2", "default"),
	"user":             (*checker).user,
	"version":          (*checker).string,
}

func (c *checker) event(m map[string]any) {
	c.nulls("", m)
	for _, k := range sortedKeys(m) {
		check, ok := topLevel[k]
		if !ok {
			c.add(k, "unknown top-level key (the schema's Event has additionalProperties false)")
			continue
		}
		if m[k] != nil {
			check(c, k, m[k])
		}
	}
	for _, k := range []string{"event_id", "timestamp", "platform", "level"} {
		if _, ok := m[k]; !ok {
			c.add(k, "missing")
		}
	}
	c.threadIDs(m)
}

// nulls reports every null: the schema allows null nearly everywhere, but
// Relay treats it as a missing value and Sentry shows the key as empty or
// drops it, which is never what a sender meant.
func (c *checker) nulls(path string, v any) {
	switch v := v.(type) {
	case nil:
		c.add(path, "null")
	case map[string]any:
		for _, k := range sortedKeys(v) {
			c.nulls(join(path, k), v[k])
		}
	case []any:
		for i, x := range v {
			c.nulls(fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}

// Scalar checks. A nil value (reported by nulls) is skipped by each.

func (c *checker) string(path string, v any) {
	if _, ok := v.(string); !ok && v != nil {
		c.add(path, "want a string, got %s", kind(v))
	}
}

func (c *checker) bool(path string, v any) {
	if _, ok := v.(bool); !ok && v != nil {
		c.add(path, "want a boolean, got %s", kind(v))
	}
}

// uint checks the schema's {"type": "integer", "format": "uint64",
// "minimum": 0}.
func (c *checker) uint(path string, v any) {
	if v == nil {
		return
	}
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(n.String(), ".eE-") {
		c.add(path, "want an integer ≥ 0, got %s", kind(v))
	}
}

func (c *checker) number(path string, v any) {
	if _, ok := v.(json.Number); !ok && v != nil {
		c.add(path, "want a number, got %s", kind(v))
	}
}

func (c *checker) object(path string, v any) {
	if _, ok := v.(map[string]any); !ok && v != nil {
		c.add(path, "want an object, got %s", kind(v))
	}
}

func (c *checker) array(path string, v any) {
	if _, ok := v.([]any); !ok && v != nil {
		c.add(path, "want an array, got %s", kind(v))
	}
}

func (c *checker) any(string, any) {}

func maxString(n int) func(*checker, string, any) {
	return func(c *checker, path string, v any) {
		s, ok := v.(string)
		if !ok {
			c.string(path, v)
			return
		}
		if l := utf8.RuneCountInString(s); l > n {
			c.add(path, "%d characters, more than Relay's limit of %d", l, n)
		}
	}
}

func enum(values ...string) func(*checker, string, any) {
	return func(c *checker, path string, v any) {
		s, ok := v.(string)
		if !ok {
			c.string(path, v)
			return
		}
		if !slices.Contains(values, s) {
			c.add(path, "%q is not one of %q", s, values)
		}
	}
}

// level: the schema's Level enum.
func (c *checker) level(path string, v any) {
	enum("debug", "info", "warning", "error", "fatal")(c, path, v)
}

// eventID: the schema's EventId is a UUID; every SDK (and Sentry's UI and
// API) uses the 32-hex-digit form without hyphens.
var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (c *checker) eventID(path string, v any) {
	s, ok := v.(string)
	if !ok {
		c.string(path, v)
		return
	}
	if !hex32.MatchString(s) {
		c.add(path, "%q is not 32 lower-case hex digits", s)
	}
}

// timestamp: the schema's Timestamp is a number (seconds since the epoch)
// or an RFC 3339 string.
func (c *checker) timestamp(path string, v any) {
	switch v := v.(type) {
	case nil, json.Number:
	case string:
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			c.add(path, "%q is not an RFC 3339 time", v)
		}
	default:
		c.add(path, "want a number or an RFC 3339 string, got %s", kind(v))
	}
}

// platform: the schema says string; Relay replaces any value outside its
// list of valid platforms with "other", which loses Go's stack rendering.
var platforms = []string{"as3", "c", "cfml", "cocoa", "csharp", "elixir", "go", "groovy", "haskell", "java", "javascript", "native", "node", "objc", "other", "perl", "php", "python", "ruby"}

func (c *checker) platform(path string, v any) { enum(platforms...)(c, path, v) }

// release: a string (schema) that Sentry's release validation accepts:
// not empty, at most 200 characters, no "/", "\", newline, tab or form
// feed, and not ".", ".." or "latest".
func (c *checker) release(path string, v any) {
	s, ok := v.(string)
	if !ok {
		c.string(path, v)
		return
	}
	switch {
	case strings.TrimSpace(s) == "":
		c.add(path, "empty release")
	case utf8.RuneCountInString(s) > MaxReleaseChars:
		c.add(path, "%d characters, more than %d", utf8.RuneCountInString(s), MaxReleaseChars)
	case strings.ContainsAny(s, "/\\\n\r\t\f"):
		c.add(path, "%q contains a character Sentry's release validation rejects (/, \\, newline, tab)", s)
	case s == "." || s == ".." || strings.EqualFold(s, "latest"):
		c.add(path, "%q is a restricted release name", s)
	}
}

// environment: a string (schema) that Sentry's environment validation
// accepts: at most 64 characters, no "/", newline or form feed.
func (c *checker) environment(path string, v any) {
	s, ok := v.(string)
	if !ok {
		c.string(path, v)
		return
	}
	if utf8.RuneCountInString(s) > MaxEnvironmentChars {
		c.add(path, "%d characters, more than %d", utf8.RuneCountInString(s), MaxEnvironmentChars)
	}
	if strings.ContainsAny(s, "/\n\r\f") {
		c.add(path, "%q contains a character Sentry's environment validation rejects", s)
	}
}

// logentry: the schema's LogEntry {formatted, message: Message (string),
// params}, additionalProperties false.
func (c *checker) logentry(path string, v any) {
	c.fields(path, v, fieldSpec{
		"formatted": maxString(MaxMessageChars),
		"message":   maxString(MaxMessageChars),
		"params":    (*checker).any,
	})
}

// fingerprint: the schema's Fingerprint, an array of strings.
func (c *checker) fingerprint(path string, v any) {
	l, ok := v.([]any)
	if !ok {
		c.array(path, v)
		return
	}
	if len(l) == 0 {
		c.add(path, "empty fingerprint (omit it to let Sentry group)")
	}
	for i, x := range l {
		c.string(fmt.Sprintf("%s[%d]", path, i), x)
	}
}

// stringMap: modules, the schema's object with string values.
func (c *checker) stringMap(path string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.object(path, v)
		return
	}
	for _, k := range sortedKeys(m) {
		c.string(join(path, k), m[k])
	}
}

// tags: the schema's Tags, an object of strings or an array of [key,
// value] pairs (TagEntry); Relay removes a tag whose key or value is too
// long or whose value has a newline.
func (c *checker) tags(path string, v any) {
	tag := func(p, k string, val any) {
		if k == "" {
			c.add(p, "empty tag key")
		}
		if l := utf8.RuneCountInString(k); l > MaxTagKeyChars {
			c.add(p, "tag key of %d characters, more than %d", l, MaxTagKeyChars)
		}
		s, ok := val.(string)
		if !ok {
			c.string(p, val)
			return
		}
		if l := utf8.RuneCountInString(s); l > MaxTagValueChars {
			c.add(p, "tag value of %d characters, more than %d", l, MaxTagValueChars)
		}
		if strings.ContainsAny(s, "\n\r") {
			c.add(p, "tag value contains a newline")
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			tag(join(path, k), k, v[k])
		}
	case []any:
		for i, x := range v {
			p := fmt.Sprintf("%s[%d]", path, i)
			pair, ok := x.([]any)
			if !ok || len(pair) != 2 {
				c.add(p, "want a [key, value] pair")
				continue
			}
			k, _ := pair[0].(string)
			c.string(p+"[0]", pair[0])
			tag(p, k, pair[1])
		}
	default:
		c.add(path, "want an object or an array of pairs, got %s", kind(v))
	}
}

// values returns the list of a Values<T> field: the schema's {"values":
// [...]} (required "values") or, as Relay also accepts, a bare array.
func (c *checker) values(path string, v any) ([]any, string) {
	switch v := v.(type) {
	case []any:
		return v, path
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if k != "values" {
				c.add(join(path, k), "unknown key")
			}
		}
		l, ok := v["values"].([]any)
		if !ok {
			c.add(join(path, "values"), "want an array")
		}
		return l, join(path, "values")
	default:
		c.add(path, "want an array or {\"values\": [...]}, got %s", kind(v))
		return nil, path
	}
}

// breadcrumbs: the schema's Breadcrumb items.
func (c *checker) breadcrumbs(path string, v any) {
	l, p := c.values(path, v)
	if len(l) > MaxBreadcrumbs {
		c.add(p, "%d breadcrumbs, more than %d", len(l), MaxBreadcrumbs)
	}
	for i, x := range l {
		c.fields(fmt.Sprintf("%s[%d]", p, i), x, fieldSpec{
			"category":  (*checker).string,
			"data":      (*checker).object,
			"event_id":  (*checker).eventID,
			"level":     (*checker).level,
			"message":   (*checker).string,
			"timestamp": (*checker).timestamp,
			"type":      (*checker).string,
		})
	}
}

// exceptions: the schema's Exception items.
func (c *checker) exceptions(path string, v any) {
	l, p := c.values(path, v)
	if len(l) == 0 {
		c.add(p, "no exception")
	}
	for i, x := range l {
		ep := fmt.Sprintf("%s[%d]", p, i)
		c.fields(ep, x, fieldSpec{
			"mechanism":  (*checker).mechanism,
			"module":     (*checker).string,
			"stacktrace": (*checker).stacktrace,
			"thread_id":  (*checker).threadID,
			"type":       maxString(256),
			"value":      maxString(MaxExceptionValueChars),
		})
		if m, ok := x.(map[string]any); ok && m["type"] == nil && m["value"] == nil {
			c.add(ep, "neither type nor value (Relay drops the exception)")
		}
	}
}

// mechanism: the schema's Mechanism, "type" required.
func (c *checker) mechanism(path string, v any) {
	c.fields(path, v, fieldSpec{
		"data":               (*checker).object,
		"description":        maxString(8192),
		"exception_id":       (*checker).uint,
		"handled":            (*checker).bool,
		"help_link":          (*checker).string,
		"is_exception_group": (*checker).bool,
		"meta":               (*checker).object,
		"parent_id":          (*checker).uint,
		"source":             (*checker).string,
		"synthetic":          (*checker).bool,
		"type":               maxString(128),
	}, "type")
}

// stacktrace: the schema's RawStacktrace, "frames" required, and Frame.
func (c *checker) stacktrace(path string, v any) {
	c.fields(path, v, fieldSpec{
		"frames":                      (*checker).frames,
		"instruction_addr_adjustment": (*checker).string,
		"lang":                        (*checker).string,
		"registers":                   (*checker).object,
		"snapshot":                    (*checker).bool,
	}, "frames")
}

func (c *checker) frames(path string, v any) {
	l, ok := v.([]any)
	if !ok {
		c.array(path, v)
		return
	}
	for i, x := range l {
		c.fields(fmt.Sprintf("%s[%d]", path, i), x, fieldSpec{
			"abs_path":         (*checker).string,
			"addr_mode":        (*checker).string,
			"colno":            (*checker).uint,
			"context_line":     (*checker).string,
			"filename":         (*checker).string,
			"function":         (*checker).string,
			"function_id":      (*checker).string,
			"image_addr":       (*checker).string,
			"in_app":           (*checker).bool,
			"instruction_addr": (*checker).string,
			"lineno":           (*checker).uint,
			"lock":             (*checker).object,
			"module":           (*checker).string,
			"package":          (*checker).string,
			"platform":         (*checker).string,
			"post_context":     (*checker).strings,
			"pre_context":      (*checker).strings,
			"raw_function":     (*checker).string,
			"stack_start":      (*checker).bool,
			"symbol":           (*checker).string,
			"symbol_addr":      (*checker).string,
			"vars":             (*checker).object,
		})
	}
}

func (c *checker) strings(path string, v any) {
	l, ok := v.([]any)
	if !ok {
		c.array(path, v)
		return
	}
	for i, x := range l {
		c.string(fmt.Sprintf("%s[%d]", path, i), x)
	}
}

// threadID: the schema's ThreadId, an integer ≥ 0 or a string.
func (c *checker) threadID(path string, v any) {
	switch v.(type) {
	case nil, string:
	case json.Number:
		c.uint(path, v)
	default:
		c.add(path, "want an integer or a string, got %s", kind(v))
	}
}

// threads: the schema's Thread items.
func (c *checker) threads(path string, v any) {
	l, p := c.values(path, v)
	crashed := 0
	for i, x := range l {
		tp := fmt.Sprintf("%s[%d]", p, i)
		c.fields(tp, x, fieldSpec{
			"crashed":    (*checker).bool,
			"current":    (*checker).bool,
			"held_locks": (*checker).object,
			"id":         (*checker).threadID,
			"main":       (*checker).bool,
			"name":       (*checker).string,
			"stacktrace": (*checker).stacktrace,
			"state":      (*checker).string,
		})
		if m, ok := x.(map[string]any); ok && m["crashed"] == true {
			crashed++
		}
	}
	if crashed > 1 {
		c.add(p, "%d threads marked crashed", crashed)
	}
}

// threadIDs checks what Sentry's UI relies on to show the crashed thread
// with the exception: exception.thread_id equals the id of a thread, in the
// same JSON type (Sentry compares them strictly), and that thread is
// marked crashed.
func (c *checker) threadIDs(m map[string]any) {
	exs, _ := (&checker{}).values("", m["exception"])
	ths, _ := (&checker{}).values("", m["threads"])
	if m["threads"] == nil {
		return
	}
	for i, x := range exs {
		ex, _ := x.(map[string]any)
		id, ok := ex["thread_id"]
		if !ok || id == nil {
			continue
		}
		path := fmt.Sprintf("exception[%d].thread_id", i)
		var match map[string]any
		for _, t := range ths {
			th, _ := t.(map[string]any)
			if th != nil && fmt.Sprint(th["id"]) == fmt.Sprint(id) {
				if kind(th["id"]) != kind(id) {
					c.add(path, "%s %v but the thread's id is %s %v: Sentry matches them strictly", kind(id), id, kind(th["id"]), th["id"])
				}
				match = th
			}
		}
		switch {
		case match == nil:
			c.add(path, "%v is the id of no thread", id)
		case match["crashed"] != true:
			c.add(path, "thread %v is not marked crashed", id)
		}
	}
}

// request: the schema's Request.
func (c *checker) request(path string, v any) {
	c.fields(path, v, fieldSpec{
		"api_target":            (*checker).string,
		"body_size":             (*checker).uint,
		"cookies":               (*checker).pairsOrMap,
		"data":                  (*checker).any,
		"env":                   (*checker).object,
		"fragment":              (*checker).string,
		"headers":               (*checker).pairsOrMap,
		"inferred_content_type": (*checker).string,
		"method":                (*checker).string,
		"protocol":              (*checker).string,
		"query_string":          (*checker).queryString,
		"url":                   (*checker).string,
	})
}

// pairsOrMap: the schema's Headers and Cookies, an object of strings or an
// array of [name, value] pairs.
func (c *checker) pairsOrMap(path string, v any) {
	switch v := v.(type) {
	case map[string]any:
		c.stringMap(path, v)
	case []any:
		for i, x := range v {
			p := fmt.Sprintf("%s[%d]", path, i)
			pair, ok := x.([]any)
			if !ok || len(pair) != 2 {
				c.add(p, "want a [name, value] pair")
				continue
			}
			c.string(p+"[0]", pair[0])
			c.string(p+"[1]", pair[1])
		}
	default:
		c.add(path, "want an object or an array of pairs, got %s", kind(v))
	}
}

// queryString: Request.query_string, a string, an object of strings or an
// array of pairs.
func (c *checker) queryString(path string, v any) {
	if _, ok := v.(string); ok {
		return
	}
	c.pairsOrMap(path, v)
}

// contexts: the schema's Contexts. The schema accepts any object as a
// context, but Relay reads a context by its key as the typed one (os,
// runtime, device, app, trace, ...) and drops a typed key of the wrong
// type; unknown keys of a typed context are kept.
func (c *checker) contexts(path string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.object(path, v)
		return
	}
	for _, k := range sortedKeys(m) {
		p := join(path, k)
		ctx, ok := m[k].(map[string]any)
		if !ok {
			c.object(p, m[k])
			continue
		}
		spec := contextSpecs[k]
		if t, ok := ctx["type"]; ok {
			c.string(join(p, "type"), t)
		}
		for _, f := range sortedKeys(ctx) {
			if check, ok := spec.fields[f]; ok {
				check(c, join(p, f), ctx[f])
			}
		}
		for _, f := range spec.required {
			if _, ok := ctx[f]; !ok {
				c.add(join(p, f), "missing")
			}
		}
	}
}

type contextSpec struct {
	fields   fieldSpec
	required []string
}

var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

func pattern(re *regexp.Regexp, what string) func(*checker, string, any) {
	return func(c *checker, path string, v any) {
		s, ok := v.(string)
		if !ok {
			c.string(path, v)
			return
		}
		if !re.MatchString(s) {
			c.add(path, "%q is not %s", s, what)
		}
	}
}

// contextSpecs are the typed keys of the contexts our events use:
// OsContext, RuntimeContext, DeviceContext, AppContext, TraceContext.
var contextSpecs = map[string]contextSpec{
	"os": {fields: fieldSpec{
		"build": (*checker).string, "kernel_version": (*checker).string, "name": (*checker).string,
		"raw_description": (*checker).string, "rooted": (*checker).bool, "version": (*checker).string,
		"distribution": (*checker).object,
	}},
	"runtime": {fields: fieldSpec{
		"build": (*checker).string, "name": (*checker).string, "raw_description": (*checker).string,
		"version": (*checker).string,
	}},
	"device": {fields: fieldSpec{
		"arch": (*checker).string, "boot_time": (*checker).timestamp, "brand": (*checker).string,
		"cpu_description": (*checker).string, "family": (*checker).string, "free_memory": (*checker).uint,
		"manufacturer": (*checker).string, "memory_size": (*checker).uint, "model": (*checker).string,
		"name": (*checker).string, "processor_count": (*checker).uint, "processor_frequency": (*checker).uint,
		"usable_memory": (*checker).uint,
	}},
	"app": {fields: fieldSpec{
		"app_build": (*checker).string, "app_identifier": (*checker).string, "app_memory": (*checker).uint,
		"app_name": (*checker).string, "app_start_time": (*checker).timestamp, "app_version": (*checker).string,
		"build_type": (*checker).string, "device_app_hash": (*checker).string, "in_foreground": (*checker).bool,
		"view_names": (*checker).strings,
	}},
	// TraceContext: trace_id and span_id required; Relay's TraceId is 32
	// and SpanId 16 hex digits.
	"trace": {fields: fieldSpec{
		"trace_id": pattern(hex32, "32 lower-case hex digits"), "span_id": pattern(hex16, "16 lower-case hex digits"),
		"parent_span_id": pattern(hex16, "16 lower-case hex digits"), "op": (*checker).string,
		"origin": (*checker).string, "sampled": (*checker).bool, "status": (*checker).string,
		"data": (*checker).object, "client_sample_rate": (*checker).number, "exclusive_time": (*checker).number,
	}, required: []string{"trace_id", "span_id"}},
}

// sdk: the schema's ClientSdkInfo (name and version required) and
// ClientSdkPackage.
func (c *checker) sdk(path string, v any) {
	c.fields(path, v, fieldSpec{
		"features":     (*checker).strings,
		"integrations": (*checker).strings,
		"name":         (*checker).string,
		"packages":     (*checker).packages,
		"version":      (*checker).string,
	}, "name", "version")
}

func (c *checker) packages(path string, v any) {
	l, ok := v.([]any)
	if !ok {
		c.array(path, v)
		return
	}
	for i, x := range l {
		c.fields(fmt.Sprintf("%s[%d]", path, i), x, fieldSpec{"name": (*checker).string, "version": (*checker).string})
	}
}

// user: the schema's User.
func (c *checker) user(path string, v any) {
	c.fields(path, v, fieldSpec{
		"data": (*checker).object, "email": (*checker).string, "geo": (*checker).object,
		"id": (*checker).string, "ip_address": (*checker).string, "name": (*checker).string,
		"segment": (*checker).string, "sentry_user": (*checker).string, "username": (*checker).string,
	})
}

// fieldSpec is an object type of the schema with additionalProperties
// false: its keys and the check of each.
type fieldSpec map[string]func(*checker, string, any)

func (c *checker) fields(path string, v any, spec fieldSpec, required ...string) {
	m, ok := v.(map[string]any)
	if !ok {
		c.object(path, v)
		return
	}
	for _, k := range sortedKeys(m) {
		check, ok := spec[k]
		if !ok {
			c.add(join(path, k), "unknown key (additionalProperties false in the schema)")
			continue
		}
		if m[k] != nil {
			check(c, join(path, k), m[k])
		}
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			c.add(join(path, k), "missing")
		}
	}
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
