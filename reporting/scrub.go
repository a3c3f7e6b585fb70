package reporting

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/internal/tokenshape"
)

// Scrubbing says what personal data and secrets are removed from events
// before they leave the process (to Sentry or to the outbox). Removed
// values are replaced by [errorsx.Redacted].
//
// Whatever the rules, even for the zero Scrubbing: header values, path
// segments and query keys holding a random-looking run (32 or more base64
// or hex characters, see [DefaultScrubbing]) are removed, values marked
// with [errorsx.Secret] are redacted, sizes are bounded as
// [DefaultScrubbing] says, and request bodies, cookies and the client
// address are never sent.
type Scrubbing struct {
	// Headers are request header names (any case) whose values are
	// removed. Headers whose name matches Keys or HeaderNames are removed
	// too.
	Headers []string
	// HeaderNames matches further header names whose values are removed
	// (signatures, private keys, tokens); nil matches none.
	HeaderNames *regexp.Regexp
	// Keys matches the keys of fields, tags, contexts, breadcrumb data,
	// headers and query parameters whose values are removed.
	Keys *regexp.Regexp
	// Values match text that is removed wherever it appears in a string:
	// messages, exception values, tag and field values, breadcrumbs,
	// header values, the URL and the transaction.
	Values []*regexp.Regexp
	// KeepQueryValues keeps query-string values (those whose key does not
	// match Keys); by default every value is removed and only the keys
	// stay.
	KeepQueryValues bool
}

var defaults = sync.OnceValue(func() Scrubbing {
	return Scrubbing{
		Headers: []string{
			"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
			"X-Api-Key", "Api-Key", "X-Auth-Token", "X-Csrf-Token", "X-Xsrf-Token",
			"X-Forwarded-For", "X-Real-Ip", "Forwarded", "Proxy-Authenticate", "WWW-Authenticate",
			"Referer", "Baggage", "X-Amz-Security-Token", "X-Goog-Api-Key",
		},
		HeaderNames: regexp.MustCompile(`(?i)signature|private|secret|token|key`),
		Keys:        regexp.MustCompile(`(?i)password|passwd|secret|token|api[-_]?key|auth|session|cookie|credential`),
		Values: []*regexp.Regexp{
			// A JSON Web Token: three base64url parts, the first a JSON
			// object ("eyJ" is the encoding of `{"`).
			regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`),
			// A DSN or any URL with credentials in it: scheme://user[:pass]@host.
			regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]+(:[^\s/?#@]*)?@[^\s"']+`),
			// Credentials of an HTTP authentication scheme.
			regexp.MustCompile(`(?i)\b(?:bearer|basic|digest|token)\s+[A-Za-z0-9._~+/=-]{8,}`),
			// An AWS access key ID.
			regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`),
			// Prefixed API keys (Stripe's sk_live_..., GitHub's ghp_..., Slack's xoxb-...).
			regexp.MustCompile(`\b(?:[sr]k_(?:live|test)_|gh[pousr]_|xox[abprs]-|glpat-)[A-Za-z0-9_-]{10,}`),
		},
	}
})

// Size limits of scrubbed values: a longer value is cut at the limit (on a
// UTF-8 boundary) and marked with "…[truncated N bytes]".
const (
	maxHeaderValue = 1 << 10 // per request header value
	maxValue       = 8 << 10 // per message, exception value, field, tag or breadcrumb value
	maxHeaders     = 64      // request headers kept; the rest are dropped
)

// DefaultScrubbing returns the rules used unless [WithScrubbing] says
// otherwise:
//
//   - the values of the headers Authorization, Proxy-Authorization,
//     Cookie, Set-Cookie, X-Api-Key, Api-Key, X-Auth-Token, X-Csrf-Token,
//     X-Xsrf-Token, X-Forwarded-For, X-Real-Ip, Forwarded,
//     Proxy-Authenticate, WWW-Authenticate, Referer, Baggage,
//     X-Amz-Security-Token and X-Goog-Api-Key, and of every header whose
//     name matches signature|private|secret|token|key (X-Signature,
//     X-Hub-Signature-256, X-Private-Key, ...);
//   - every query-string value, and every query key, path segment and
//     header value that looks like a token: an HTTP authentication
//     scheme's credentials (Bearer, Basic), a JSON Web Token, an AWS access
//     key, a prefixed API key (sk_live_..., ghp_...), or a run of 32 or
//     more base64 or hex characters with letters and digits mixed;
//   - the values of keys matching
//     password|passwd|secret|token|api[-_]?key|auth|session|cookie|credential
//     in fields, tags, contexts, breadcrumb data, headers and queries;
//   - text that looks like a JSON Web Token, a DSN (a URL with
//     credentials), an authentication scheme's credentials, an AWS access
//     key or a prefixed API key, wherever it appears (messages, exception
//     values, the URL, the transaction, tags, fields, breadcrumbs).
//
// Sizes are bounded whatever the rules: a header value is cut at 1 KiB, a
// message, exception value, field, tag or breadcrumb value at 8 KiB (each
// marked with a trailing "…[truncated N bytes]"), and at most 64 request
// headers are kept. Request bodies, cookies and the client address are
// never sent.
func DefaultScrubbing() Scrubbing {
	d := defaults()
	d.Headers = append([]string(nil), d.Headers...)
	d.Values = append([]*regexp.Regexp(nil), d.Values...)
	return d
}

// scrubber applies a Scrubbing. It never modifies what it is given: it
// returns new values, so that what the caller, a hub's scope or another
// event still holds is left as it was.
type scrubber struct {
	s       Scrubbing
	headers map[string]bool // canonical header names
	// anyValue matches where one of s.Values does: one pass over a text
	// that holds nothing secret (most texts) instead of one per rule.
	anyValue *regexp.Regexp
}

// isZero reports whether s is the zero Scrubbing, which WithScrubbing
// takes as "the defaults".
func (s Scrubbing) isZero() bool {
	return len(s.Headers) == 0 && s.HeaderNames == nil && s.Keys == nil && len(s.Values) == 0 && !s.KeepQueryValues
}

func newScrubber(s Scrubbing) *scrubber {
	sc := &scrubber{s: s, headers: map[string]bool{}}
	for _, h := range s.Headers {
		sc.headers[http.CanonicalHeaderKey(h)] = true
	}
	if len(s.Values) > 0 {
		alts := make([]string, len(s.Values))
		for i, re := range s.Values {
			alts[i] = "(?:" + re.String() + ")"
		}
		// Each rule compiled on its own, so their union compiles too.
		sc.anyValue = regexp.MustCompile(strings.Join(alts, "|"))
	}
	return sc
}

func (sc *scrubber) key(k string) bool { return sc.s.Keys != nil && sc.s.Keys.MatchString(k) }

// value removes secret-looking text from s and bounds its size.
func (sc *scrubber) value(s string) string { return truncate(sc.text(s), maxValue) }

// text removes secret-looking text from s.
func (sc *scrubber) text(s string) string {
	if sc.anyValue == nil || !sc.anyValue.MatchString(s) {
		return s
	}
	for _, re := range sc.s.Values {
		if re.MatchString(s) {
			s = re.ReplaceAllLiteralString(s, errorsx.Redacted)
		}
	}
	return s
}

// secretLooking reports whether s, a header value, path segment or query
// key, carries a token anywhere: a match of Values or a long random run.
func (sc *scrubber) secretLooking(s string) bool {
	return tokenshape.HasRandomRun(s) || (sc.anyValue != nil && sc.anyValue.MatchString(s))
}

// truncate cuts s to at most limit bytes, on a UTF-8 boundary, and marks
// what was cut.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated " + strconv.Itoa(len(s)-cut) + " bytes]"
}

func (sc *scrubber) any(k string, v any) any {
	return sc.anyDepth(k, v, 0)
}

// maxDepth bounds how deep nested maps and slices are followed; deeper
// values are dropped rather than risk an unscrubbed secret.
const maxDepth = 16

func (sc *scrubber) anyDepth(k string, v any, depth int) any {
	if sc.key(k) {
		return errorsx.Redacted
	}
	if depth > maxDepth {
		return "[too deep]"
	}
	switch v := v.(type) {
	case string:
		return sc.value(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k2, v2 := range v {
			out[k2] = sc.anyDepth(k2, v2, depth+1)
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(v))
		for k2, v2 := range v {
			if sc.key(k2) {
				out[k2] = errorsx.Redacted
			} else {
				out[k2] = sc.value(v2)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, v2 := range v {
			out[i] = sc.anyDepth("", v2, depth+1)
		}
		return out
	case []string:
		out := make([]string, len(v))
		for i, v2 := range v {
			out[i] = sc.value(v2)
		}
		return out
	case errorsx.SecretValue:
		return errorsx.Redacted
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return v
	case error:
		return sc.value(v.Error())
	case fmt.Stringer:
		return sc.value(v.String())
	}
	// Anything else would be encoded by reflection, out of reach of the
	// rules: encode it here and scrub the text.
	b, err := json.Marshal(v)
	if err != nil {
		return sc.value(errorsx.FormatValue(v))
	}
	var decoded any
	if json.Unmarshal(b, &decoded) != nil {
		return sc.value(string(b))
	}
	return sc.anyDepth(k, decoded, depth+1)
}

// requestSnapshot is what an event needs of a request, copied on the
// goroutine that serves it: the handler may go on changing the request
// (its headers above all) while the event is built elsewhere.
type requestSnapshot struct {
	method, host, path, rawQuery string
	pattern                      string // the route the mux matched, "" when none
	tls                          bool
	header                       http.Header // at most maxHeaders, values cut at maxHeaderValue
	name                         string      // the transaction of a call bound with BindCall, "" for an HTTP request
}

// snapshotRequest copies what an event needs of r. It is called on the
// goroutine that owns r, only when an event is made.
func snapshotRequest(r *http.Request) *requestSnapshot {
	if r == nil {
		return nil
	}
	s := &requestSnapshot{method: r.Method, host: r.Host, pattern: r.Pattern, tls: r.TLS != nil}
	if r.URL != nil {
		s.path, s.rawQuery = truncate(r.URL.Path, maxValue), truncate(r.URL.RawQuery, maxValue)
	}
	n, nv := 0, 0
	for _, vs := range r.Header {
		if n == maxHeaders {
			break
		}
		n++
		nv += len(vs)
	}
	s.header = make(http.Header, n)
	values := make([]string, 0, nv) // one backing array for all values
	for k, vs := range r.Header {
		if len(s.header) == n {
			break
		}
		start := len(values)
		for _, v := range vs {
			values = append(values, truncate(v, maxHeaderValue))
		}
		s.header[k] = values[start:len(values):len(values)]
	}
	return s
}

// httpRequest rebuilds a request from the snapshot, for sentry.EventHint:
// BeforeSend hooks may read it without racing the handler.
func (s *requestSnapshot) httpRequest() *http.Request {
	r := &http.Request{Method: s.method, Host: s.host, URL: &url.URL{Path: s.path, RawQuery: s.rawQuery}, Header: s.header}
	if s.tls {
		r.TLS = &tls.ConnectionState{}
	}
	return r
}

// transaction names the event's transaction as the tracing middleware
// (otelhttp) names the request's span: "<method> <route>" with the path
// part of the pattern the mux matched ("GET /orders/{id}"), the method
// alone when no route matched (a 404), "HTTP" for a method outside the
// standard ones. The request's URL is the event's request.url.
func (s *requestSnapshot) transaction() string {
	if s.name != "" {
		return s.name
	}
	method := strings.ToUpper(s.method)
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
	default:
		method = "HTTP"
	}
	if i := strings.IndexByte(s.pattern, '/'); i >= 0 {
		return method + " " + s.pattern[i:]
	}
	return method
}

// request builds the scrubbed request part of an event. The body is never
// read, cookies are never sent, and the client address is left out.
func (sc *scrubber) request(r *requestSnapshot) *sentry.Request {
	scheme := "http"
	if r.tls {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.host, Path: r.path}
	req := &sentry.Request{
		URL:         u.String(),
		Method:      r.method,
		QueryString: r.rawQuery,
		Headers:     make(map[string]string, len(r.header)),
	}
	for k, vs := range r.header {
		req.Headers[k] = strings.Join(vs, ",")
	}
	return req // scrubbed with the rest of the event
}

func (sc *scrubber) header(k, v string) string {
	if sc.headers[http.CanonicalHeaderKey(k)] || sc.key(k) ||
		(sc.s.HeaderNames != nil && sc.s.HeaderNames.MatchString(k)) || sc.secretLooking(v) {
		return errorsx.Redacted
	}
	// The request's snapshot has cut each value already; the slack keeps
	// its marker from being cut again.
	return truncate(v, maxHeaderValue+64)
}

// url scrubs a URL: its path segments and its query; credentials and the
// fragment are dropped.
func (sc *scrubber) url(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return sc.value(raw)
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = sc.query(u.RawQuery)
	// Scrub the escaped path, so that [REDACTED] is written as it is
	// rather than percent-encoded.
	escaped := u.EscapedPath()
	segs := strings.Split(escaped, "/")
	changed := false
	for i, seg := range segs {
		name, err := url.PathUnescape(seg)
		if err != nil {
			name = seg
		}
		if seg != "" && sc.secretLooking(name) {
			segs[i] = errorsx.Redacted
			changed = true
		}
	}
	if changed {
		u.RawPath = strings.Join(segs, "/")
		if p, err := url.PathUnescape(u.RawPath); err == nil {
			u.Path = p
		}
	}
	return sc.value(u.String())
}

// path replaces each path segment that looks like a token.
func (sc *scrubber) path(p string) string {
	if p == "" {
		return p
	}
	segs := strings.Split(p, "/")
	changed := false
	for i, seg := range segs {
		if seg != "" && sc.secretLooking(seg) {
			segs[i] = errorsx.Redacted
			changed = true
		}
	}
	if !changed {
		return p
	}
	return strings.Join(segs, "/")
}

// transaction scrubs an event's transaction, "METHOD /path" or a route.
func (sc *scrubber) transaction(t string) string {
	method, p, ok := strings.Cut(t, " ")
	if ok && strings.HasPrefix(p, "/") {
		return sc.value(method + " " + sc.path(p))
	}
	if strings.HasPrefix(t, "/") {
		return sc.value(sc.path(t))
	}
	return sc.value(t)
}

// query keeps the keys of a query string (those that do not look like
// tokens) and removes the values.
func (sc *scrubber) query(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if sc.secretLooking(name) {
			k = url.QueryEscape(errorsx.Redacted)
		}
		if !ok {
			parts[i] = k
			continue
		}
		if !sc.s.KeepQueryValues || sc.key(name) {
			v = url.QueryEscape(errorsx.Redacted)
		} else {
			val, err := url.QueryUnescape(v)
			if err != nil {
				val = v
			}
			if sc.secretLooking(val) {
				v = url.QueryEscape(errorsx.Redacted)
			} else {
				v = url.QueryEscape(sc.value(val))
			}
		}
		parts[i] = k + "=" + v
	}
	return truncate(strings.Join(parts, "&"), maxValue)
}

// event scrubs everything of e that can carry personal data or secrets.
// It runs on every event, whatever made it, before BeforeSend. It replaces
// e's parts with scrubbed copies and never writes into the maps, slices
// or breadcrumbs e shares with a scope or the caller.
func (sc *scrubber) event(e *sentry.Event) *sentry.Event {
	e.Message = sc.value(e.Message)
	e.Transaction = sc.transaction(e.Transaction)
	if len(e.Exception) > 0 {
		exs := make([]sentry.Exception, len(e.Exception))
		copy(exs, e.Exception)
		for i := range exs {
			exs[i].Value = sc.value(exs[i].Value)
		}
		e.Exception = exs
	}
	if e.Tags != nil {
		tags := make(map[string]string, len(e.Tags))
		for k, v := range e.Tags {
			if sc.key(k) {
				tags[k] = errorsx.Redacted
			} else {
				tags[k] = sc.value(v)
			}
		}
		e.Tags = tags
	}
	if e.Contexts != nil {
		contexts := make(map[string]sentry.Context, len(e.Contexts))
		for name, c := range e.Contexts {
			if name == "trace" {
				contexts[name] = c
				continue
			}
			nc := make(sentry.Context, len(c))
			for k, v := range c {
				nc[k] = sc.any(k, v)
			}
			contexts[name] = nc
		}
		e.Contexts = contexts
	}
	if len(e.Breadcrumbs) > 0 {
		crumbs := make([]*sentry.Breadcrumb, 0, len(e.Breadcrumbs))
		for _, b := range e.Breadcrumbs {
			if b == nil {
				continue
			}
			nb := *b
			nb.Message = sc.value(b.Message)
			if b.Data != nil {
				nb.Data = make(map[string]any, len(b.Data))
				for k, v := range b.Data {
					nb.Data[k] = sc.any(k, v)
				}
			}
			crumbs = append(crumbs, &nb)
		}
		e.Breadcrumbs = crumbs
	}
	if r := e.Request; r != nil {
		nr := &sentry.Request{
			URL:         sc.url(r.URL),
			Method:      r.Method,
			QueryString: sc.query(r.QueryString),
		}
		if r.Headers != nil {
			nr.Headers = make(map[string]string, min(len(r.Headers), maxHeaders))
			for k, v := range r.Headers {
				if len(nr.Headers) == maxHeaders {
					break
				}
				nr.Headers[k] = sc.header(k, v)
			}
		}
		e.Request = nr
	}
	e.User.IPAddress = ""
	if e.User.Data != nil {
		data := make(map[string]string, len(e.User.Data))
		for k, v := range e.User.Data {
			if sc.key(k) {
				data[k] = errorsx.Redacted
			} else {
				data[k] = sc.value(v)
			}
		}
		e.User.Data = data
	}
	return e
}
