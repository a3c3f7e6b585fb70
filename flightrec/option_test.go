package flightrec_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/flightrec"
)

func TestSetupRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		opt        flightrec.Option
		wantOption string
		wantValue  any
	}{
		{flightrec.WithMinAge(-time.Second), "WithMinAge", "-1s"},
		{flightrec.WithMaxBytes(-1), "WithMaxBytes", int64(-1)},
		{flightrec.WithMaxBytes(flightrec.MaxMaxBytes + 1), "WithMaxBytes", int64(flightrec.MaxMaxBytes + 1)},
		{flightrec.WithRateLimit(-time.Minute), "WithRateLimit", "-1m0s"},
		{flightrec.WithRateLimit(time.Minute, flightrec.Kind(9)), "WithRateLimit", "Kind(9)"},
		{flightrec.WithSlowThreshold(-1), "WithSlowThreshold", "-1ns"},
		{flightrec.WithRouteThreshold("", time.Second), "WithRouteThreshold", ""},
		{flightrec.WithRouteThreshold("GET /x", -time.Second), "WithRouteThreshold", "-1s"},
	}
	for _, tt := range tests {
		t.Run(tt.wantOption, func(t *testing.T) {
			r, err := flightrec.Setup(context.Background(), tt.opt)
			if err == nil {
				_ = r.Shutdown(context.Background())
				t.Fatal("Setup succeeded, want an error")
			}
			if r != nil {
				t.Error("Setup returned a recorder with its error")
			}
			if got := errorsx.CodeOf(err); got != errorsx.InvalidArgument {
				t.Errorf("code = %v, want InvalidArgument", got)
			}
			if !strings.HasPrefix(err.Error(), "flightrec: "+tt.wantOption+" ") {
				t.Errorf("error %q does not name the option %s", err, tt.wantOption)
			}
			want := []errorsx.Field{{Key: "option", Value: tt.wantOption}, {Key: "value", Value: tt.wantValue}}
			if diff := cmp.Diff(want, errorsx.FieldsOf(err)); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Zero options mean the documented defaults.
func TestSetupDefaults(t *testing.T) {
	for _, opts := range [][]flightrec.Option{
		nil,
		{flightrec.WithMinAge(0), flightrec.WithMaxBytes(0), flightrec.WithRateLimit(0),
			flightrec.WithSlowThreshold(0), flightrec.WithLogger(nil)},
	} {
		r := setup(t, opts...)
		minAge, maxBytes, every, slow := r.Settings()
		type settings struct {
			MinAge   time.Duration
			MaxBytes int64
			Every    []time.Duration
			Slow     time.Duration
		}
		want := settings{10 * time.Second, 16 << 20,
			[]time.Duration{5 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute},
			2 * time.Second}
		if diff := cmp.Diff(want, settings{minAge, maxBytes, every, slow}); diff != "" {
			t.Errorf("settings mismatch (-want +got):\n%s", diff)
		}
		if err := r.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSetupCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := flightrec.Setup(ctx); err != context.Canceled {
		t.Errorf("Setup(canceled) = %v, want %v", err, context.Canceled)
	}
}

func TestKindString(t *testing.T) {
	var got []string
	for k := range flightrec.Kind(7) {
		got = append(got, k.String())
	}
	want := []string{"Kind(0)", "panic", "error5xx", "slow", "readiness", "manual", "Kind(6)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Kind names mismatch (-want +got):\n%s", diff)
	}
}
