package reporting_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// TestReleaseNoneKnown: without SENTRY_RELEASE, the option or a version
// in the build information, events carry no release (never "unknown").
func TestReleaseNoneKnown(t *testing.T) {
	t.Run("none known: omitted, and git never runs", func(t *testing.T) {
		// A test binary records no VCS revision and no module version, so
		// there is no release to derive. sentry-go would run git to guess
		// one: a fake git on PATH records whether it ran.
		t.Setenv("SENTRY_RELEASE", "")
		bin := t.TempDir()
		ran := filepath.Join(t.TempDir(), "git-ran")
		if err := os.WriteFile(filepath.Join(bin, "git"), []byte("#!/bin/sh\n: > "+ran+"\necho v9.9.9\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin)
		rec := reportingtest.New(t, reporting.WithRelease("")) // "" leaves it to the build information
		ctx := rec.Reporter().Bind(context.Background())
		reporting.Capture(ctx, errors.New("x"))
		sentry.GetHubFromContext(ctx).CaptureMessage("through sentry-go")
		got := map[string]any{"Release()": rec.Reporter().Release()}
		for i, ev := range rec.Events() {
			got[fmt.Sprintf("event %d", i)] = ev.Release
		}
		_, err := os.Stat(ran)
		got["git ran"] = err == nil
		want := map[string]any{"Release()": "", "event 0": "", "event 1": "", "git ran": false}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("release mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestReleaseRejected: a release Sentry would refuse is an error from
// Setup that names where it came from.
func TestReleaseRejected(t *testing.T) {
	tests := []struct {
		name, env string
		opts      []reporting.Option
		want      string
	}{
		{"slash from option", "", []reporting.Option{reporting.WithRelease("example.com/x@v1.4.0")}, "WithRelease"},
		{"newline from variable", "v1\nv2", nil, "SENTRY_RELEASE"},
		{"tab", "", []reporting.Option{reporting.WithRelease("v1\t2")}, "WithRelease"},
		{"dot", ".", nil, "SENTRY_RELEASE"},
		{"dot dot", "", []reporting.Option{reporting.WithRelease("..")}, "WithRelease"},
		{"too long", strings.Repeat("a", 201), nil, "SENTRY_RELEASE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SENTRY_RELEASE", tt.env)
			r, err := reporting.Setup(context.Background(), append(tt.opts, reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))...)
			if err == nil {
				shutdown(t, r)
				t.Fatalf("Setup accepted release %q", r.Release())
			}
			if !strings.Contains(err.Error(), tt.want) || errorsx.CodeOf(err) != errorsx.InvalidArgument {
				t.Errorf("error %q (%s): want invalid_argument naming %s", err, errorsx.CodeOf(err), tt.want)
			}
		})
	}
	t.Run("200 characters are fine", func(t *testing.T) {
		r, err := reporting.Setup(context.Background(), reporting.WithRelease(strings.Repeat("a", 200)), reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))
		if err != nil {
			t.Fatal(err)
		}
		shutdown(t, r)
	})
}

// TestInAppPrefixesOption: an empty prefix is an error naming the option;
// none at all is the default.
func TestInAppPrefixesOption(t *testing.T) {
	for _, prefixes := range [][]string{{""}, {"example.com/shared", " "}} {
		r, err := reporting.Setup(context.Background(), reporting.WithInAppPrefixes(prefixes...), reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))
		if err == nil {
			shutdown(t, r)
			t.Errorf("WithInAppPrefixes(%q) accepted", prefixes)
		} else if !strings.Contains(err.Error(), "WithInAppPrefixes") || errorsx.CodeOf(err) != errorsx.InvalidArgument {
			t.Errorf("WithInAppPrefixes(%q): error %q (%s), want invalid_argument naming the option", prefixes, err, errorsx.CodeOf(err))
		}
	}
	r, err := reporting.Setup(context.Background(), reporting.WithInAppPrefixes(), reporting.WithDSN(""), reporting.WithOutbox(t.TempDir(), 0))
	if err != nil {
		t.Fatalf("WithInAppPrefixes(): %v", err)
	}
	shutdown(t, r)
}
