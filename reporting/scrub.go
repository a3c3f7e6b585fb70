package reporting

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/errorsx"
)

// Scrubbing says what personal data and secrets are removed from events
// before they leave the process (to Sentry or to the outbox). Removed
// values are replaced by [errorsx.Redacted].
type Scrubbing struct {
	// Headers are request header names (any case) whose values are
	// removed. Headers whose name matches Keys are removed too.
	Headers []string
	// Keys matches the keys of fields, tags, contexts, breadcrumb data,
	// headers and query parameters whose values are removed.
	Keys *regexp.Regexp
	// Values match text that is removed wherever it appears in a string:
	// messages, exception values, tag and field values, breadcrumbs.
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
		},
		Keys: regexp.MustCompile(`(?i)password|passwd|secret|token|api[-_]?key|auth|session|cookie|credential`),
		Values: []*regexp.Regexp{
			// A JSON Web Token: three base64url parts, the first a JSON
			// object ("eyJ" is the encoding of `{"`).
			regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`),
			// A DSN or any URL with credentials in it: scheme://user[:pass]@host.
			regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]+(:[^\s/?#@]*)?@[^\s"']+`),
		},
	}
})

// DefaultScrubbing returns the rules used unless [WithScrubbing] says
// otherwise: the Authorization, Cookie, Set-Cookie, proxy, API-key and
// client-address headers; every query-string value; keys matching
// password|passwd|secret|token|api[-_]?key|auth|session|cookie|credential;
// values that look like JSON Web Tokens or DSNs (URLs with credentials).
// Request bodies are never sent.
func DefaultScrubbing() Scrubbing {
	d := defaults()
	d.Headers = append([]string(nil), d.Headers...)
	d.Values = append([]*regexp.Regexp(nil), d.Values...)
	return d
}

// scrubber applies a Scrubbing.
type scrubber struct {
	s       Scrubbing
	headers map[string]bool // canonical header names
}

func newScrubber(s Scrubbing) *scrubber {
	sc := &scrubber{s: s, headers: map[string]bool{}}
	for _, h := range s.Headers {
		sc.headers[http.CanonicalHeaderKey(h)] = true
	}
	return sc
}

func (sc *scrubber) key(k string) bool { return sc.s.Keys != nil && sc.s.Keys.MatchString(k) }

// value removes secret-looking text from s.
func (sc *scrubber) value(s string) string {
	for _, re := range sc.s.Values {
		if re.MatchString(s) {
			s = re.ReplaceAllLiteralString(s, errorsx.Redacted)
		}
	}
	return s
}

func (sc *scrubber) any(k string, v any) any {
	if sc.key(k) {
		return errorsx.Redacted
	}
	switch v := v.(type) {
	case string:
		return sc.value(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k2, v2 := range v {
			out[k2] = sc.any(k2, v2)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, v2 := range v {
			out[i] = sc.any("", v2)
		}
		return out
	case errorsx.SecretValue:
		return errorsx.Redacted
	}
	return v
}

// request builds the scrubbed request part of an event. The body is never
// read, cookies are never sent, and the client address is left out.
func (sc *scrubber) request(r *http.Request) *sentry.Request {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path}
	req := &sentry.Request{
		URL:         sc.value(u.String()),
		Method:      r.Method,
		QueryString: sc.query(r.URL.RawQuery),
		Headers:     make(map[string]string, len(r.Header)),
	}
	for k, vs := range r.Header {
		req.Headers[k] = sc.header(k, strings.Join(vs, ","))
	}
	return req
}

func (sc *scrubber) header(k, v string) string {
	if sc.headers[http.CanonicalHeaderKey(k)] || sc.key(k) {
		return errorsx.Redacted
	}
	return sc.value(v)
}

// query keeps the keys of a query string and removes the values.
func (sc *scrubber) query(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if !sc.s.KeepQueryValues || sc.key(name) {
			v = url.QueryEscape(errorsx.Redacted)
		} else {
			v = sc.value(v)
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, "&")
}

// event scrubs everything of e that can carry personal data or secrets.
// It runs on every event, whatever made it, before BeforeSend.
func (sc *scrubber) event(e *sentry.Event) *sentry.Event {
	e.Message = sc.value(e.Message)
	for i := range e.Exception {
		e.Exception[i].Value = sc.value(e.Exception[i].Value)
	}
	for k, v := range e.Tags {
		if sc.key(k) {
			e.Tags[k] = errorsx.Redacted
		} else {
			e.Tags[k] = sc.value(v)
		}
	}
	for name, c := range e.Contexts {
		if name == "trace" {
			continue
		}
		for k, v := range c {
			c[k] = sc.any(k, v)
		}
	}
	for _, b := range e.Breadcrumbs {
		b.Message = sc.value(b.Message)
		for k, v := range b.Data {
			b.Data[k] = sc.any(k, v)
		}
	}
	if r := e.Request; r != nil {
		r.Data, r.Cookies, r.Env = "", "", nil
		r.URL = sc.value(r.URL)
		r.QueryString = sc.query(r.QueryString)
		for k, v := range r.Headers {
			r.Headers[k] = sc.header(k, v)
		}
	}
	e.User.IPAddress = ""
	return e
}
