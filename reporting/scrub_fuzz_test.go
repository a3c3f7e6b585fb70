package reporting

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

const fuzzJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"

// FuzzScrubRequest feeds the scrubber paths, query strings and header
// values from outside: it must not panic, must keep valid UTF-8 valid,
// must bound sizes, and a token planted anywhere must not come out.
func FuzzScrubRequest(f *testing.F) {
	f.Add("/orders/42", "a=1&b=2", "text/html")
	f.Add("/a%2Fb/"+fuzzJWT, fuzzJWT+"=x&%zz=1&&=", "Bearer "+fuzzJWT)
	f.Add("", "k", strings.Repeat("é", 2000))
	f.Add("//x/../é/", "a=%", "\xff\xfe")
	sc := newScrubber(DefaultScrubbing())
	f.Fuzz(func(t *testing.T, path, query, header string) {
		for _, in := range []string{path, query, header} {
			if len(in) > 1<<16 {
				return
			}
		}
		u := sc.url("http://example.com" + path + "?" + query)
		q := sc.query(query)
		h := sc.header("X-Note", header)
		tr := sc.transaction("GET " + path)
		if len(h) > maxHeaderValue+64+40 || len(q) > maxValue+40 {
			t.Errorf("sizes not bounded: header %d, query %d", len(h), len(q))
		}
		if utf8.ValidString(header) && !utf8.ValidString(h) {
			t.Errorf("header %q became invalid UTF-8: %q", header, h)
		}
		// Plant a token into each input and look for it.
		planted := map[string]string{
			"path":        sc.transaction("GET " + path + "/" + fuzzJWT),
			"query key":   sc.query(query + "&" + fuzzJWT + "=1"),
			"query value": sc.query(query + "&k=" + fuzzJWT),
			"header":      sc.header("X-Note", header+" "+fuzzJWT),
			"url":         sc.url("http://example.com/" + url.PathEscape(fuzzJWT) + "?" + query),
		}
		for name, out := range planted {
			if strings.Contains(out, fuzzJWT) {
				t.Errorf("%s keeps the token: %q", name, out)
			}
		}
		_, _ = u, tr
	})
}
