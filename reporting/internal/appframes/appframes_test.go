package appframes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPackage(t *testing.T) {
	got := map[string]string{}
	for _, fn := range []string{
		"net/http.(*conn).serve", "main.main.func1", "github.com/a/b.(*T).M", "gopkg.in/yaml%2ev3.Unmarshal",
		"runtime.gopanic", "github.com/supportkit/supportkit/reporting.(*Reporter).Middleware.func1", "weird",
	} {
		got[fn] = Package(fn)
	}
	want := map[string]string{
		"net/http.(*conn).serve": "net/http", "main.main.func1": "main", "github.com/a/b.(*T).M": "github.com/a/b",
		"gopkg.in/yaml%2ev3.Unmarshal": "gopkg.in/yaml%2ev3", "runtime.gopanic": "runtime",
		"github.com/supportkit/supportkit/reporting.(*Reporter).Middleware.func1": "github.com/supportkit/supportkit/reporting",
		"weird": "weird",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Package mismatch (-want +got):\n%s", diff)
	}
}

func TestInApp(t *testing.T) {
	app := Rule{}.WithMain("example.com/shop")
	withPrefix := New("example.com/shared", " example.com/other/ ").WithMain("example.com/shop")
	asSupportkit := Rule{}.WithMain("github.com/supportkit/supportkit") // the example service's own binary
	tests := []struct {
		rule Rule
		fn   string
		want bool
	}{
		{app, "main.(*app).fail", true},
		{app, "example.com/shop/orders.(*Store).Get", true},
		{app, "example.com/shop.Run", true},
		{app, "example.com/shopping.Run", false}, // another module that shares a prefix of the name
		{app, "net/http.HandlerFunc.ServeHTTP", false},
		{app, "runtime.mapassign_faststr", false},
		{app, "regexp.MustCompile", false},
		{app, "internal/poll.(*FD).Read", false},
		{app, "vendor/golang.org/x/net/http2.(*Framer).ReadFrame", false},
		{app, "github.com/supportkit/supportkit/reporting.(*Reporter).Middleware.func1", false},
		{app, "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp.(*middleware).serveHTTP", false},
		{app, "github.com/lib/pq.(*conn).query", false},
		{app, "example.com/shared/db.Query", false},
		{withPrefix, "example.com/shared/db.Query", true},
		{withPrefix, "example.com/other.F", true},
		{withPrefix, "example.com/shop/orders.Get", true},
		{asSupportkit, "main.(*app).failDependency", true},
		{asSupportkit, "github.com/supportkit/supportkit/tracing.Middleware.func2.1", false},
		{Rule{}, "main.main", true},
		{Rule{}, "example.com/shop.Run", false},
	}
	for _, tt := range tests {
		if got := tt.rule.InApp(tt.fn); got != tt.want {
			t.Errorf("%+v.InApp(%q) = %v, want %v", tt.rule, tt.fn, got, tt.want)
		}
	}
}

func TestNewReadsTheMainModule(t *testing.T) {
	// A test binary's main module is this one.
	if r := New(); r.main != "github.com/supportkit/supportkit" {
		t.Errorf("main module %q", r.main)
	}
}
