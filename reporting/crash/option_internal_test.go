package crash

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
)

// TestOptionDefaults: every option's zero value is its documented
// default, and a nil logger means no output (not the default's stderr).
func TestOptionDefaults(t *testing.T) {
	type view struct {
		Reporting int
		Tags      map[string]string
		Logger    string // "default" (stderr JSON), "nop" or "given"
		Timeout   time.Duration
	}
	given := zap.NewExample()
	look := func(c config) view {
		v := view{Reporting: len(c.reporting), Tags: c.tags, Timeout: c.timeout, Logger: "given"}
		switch {
		case c.logger == nil:
			v.Logger = "default"
		case !c.logger.Core().Enabled(zap.ErrorLevel):
			v.Logger = "nop"
		}
		return v
	}
	for _, tt := range []struct {
		name string
		opts []Option
		want view
	}{
		{"none", nil, view{Logger: "default", Timeout: 15 * time.Second}},
		{"nil option", []Option{nil}, view{Logger: "default", Timeout: 15 * time.Second}},
		{"zero timeout", []Option{WithTimeout(0)}, view{Logger: "default", Timeout: 15 * time.Second}},
		{"timeout", []Option{WithTimeout(time.Second)}, view{Logger: "default", Timeout: time.Second}},
		{"nil logger", []Option{WithLogger(nil)}, view{Logger: "nop", Timeout: 15 * time.Second}},
		{"logger", []Option{WithLogger(given)}, view{Logger: "given", Timeout: 15 * time.Second}},
		{"nil tags", []Option{WithTags(nil)}, view{Logger: "default", Timeout: 15 * time.Second, Tags: map[string]string{}}},
		{"tags add up", []Option{WithTags(map[string]string{"a": "1"}), WithTags(map[string]string{"b": "2"})},
			view{Logger: "default", Timeout: 15 * time.Second, Tags: map[string]string{"a": "1", "b": "2"}}},
		{"reporting adds up", []Option{WithReporting(reporting.WithDSN("")), WithReporting(), WithReporting(reporting.WithEnvironment("x"))},
			view{Reporting: 2, Logger: "default", Timeout: 15 * time.Second}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newConfig(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, look(c)); diff != "" {
				t.Errorf("config mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWithTagsCopies: changing the map after Setup changes nothing.
func TestWithTagsCopies(t *testing.T) {
	tags := map[string]string{"service": "orders"}
	c, err := newConfig([]Option{WithTags(tags)})
	if err != nil {
		t.Fatal(err)
	}
	tags["service"] = "changed"
	if got := c.tags["service"]; got != "orders" {
		t.Errorf("tag after the caller's change = %q, want %q", got, "orders")
	}
}

// TestSetupRejectsBadOptions: an out-of-range option is an InvalidArgument
// error naming the option and the value, and no monitor is started.
func TestSetupRejectsBadOptions(t *testing.T) {
	findExecutable = func() (string, error) {
		t.Error("Setup started a monitor despite a bad option")
		return "/nonexistent/supportkit-monitor", nil
	}
	t.Cleanup(func() { findExecutable = executable })
	for _, tt := range []struct {
		name string
		opt  Option
		want []string
	}{
		{"negative timeout", WithTimeout(-time.Second), []string{"WithTimeout", "-1s"}},
		{"empty tag key", WithTags(map[string]string{"": "x"}), []string{"WithTags", `""`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Setup(context.Background(), tt.opt)
			if err == nil || m != nil {
				t.Fatalf("Setup = %v, %v; want nil and an error", m, err)
			}
			if got := errorsx.CodeOf(err); got != errorsx.InvalidArgument {
				t.Errorf("code = %v, want InvalidArgument", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestSetupEndedContext: a ctx that has ended is an error, and nothing
// is started.
func TestSetupEndedContext(t *testing.T) {
	findExecutable = func() (string, error) {
		t.Error("Setup started a monitor with an ended ctx")
		return "/nonexistent/supportkit-monitor", nil
	}
	t.Cleanup(func() { findExecutable = executable })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if m, err := Setup(ctx); err == nil || m != nil {
		t.Fatalf("Setup = %v, %v; want nil and an error", m, err)
	}
}
