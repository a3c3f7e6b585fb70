package crash_test

import (
	"debug/buildinfo"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	outboxpkg "github.com/supportkit/supportkit/reporting/outbox"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// crashEventJSON crashes bin (mode, with the monitor, GOTRACEBACK=all and
// the application's GOMAXPROCS set to 5) and returns the JSON of the one
// event in the outbox, as it will be sent.
func crashEventJSON(t *testing.T, bin, mode string) map[string]any {
	t.Helper()
	outbox := t.TempDir()
	stderr, code := run(t, bin, []string{"SENTRY_DSN=", "CRASHER_OUTBOX=" + outbox, "GOTRACEBACK=all", "CRASHER_APP_GOMAXPROCS=5"}, "-monitor", mode)
	if code != 2 {
		t.Fatalf("exit code %d, want 2; stderr:\n%s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*"+outboxpkg.Suffix))
	if len(files) != 1 {
		t.Fatalf("outbox holds %v, want one envelope; stderr:\n%s", files, stderr)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	env, err := outboxpkg.Parse(data)
	// The event, then the goroutine dump as an attachment.
	if err != nil || len(env.Items) != 2 || env.Items[1].Header["type"] != "attachment" {
		t.Fatalf("envelope: %v, %d items, want the event and the goroutine dump", err, len(env.Items))
	}
	var ev map[string]any
	if err := json.Unmarshal(env.Items[0].Payload, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// nulls returns the paths of the null values in v.
func nulls(path string, v any) []string {
	switch v := v.(type) {
	case nil:
		return []string{path}
	case map[string]any:
		var out []string
		for k, e := range v {
			out = append(out, nulls(path+"."+k, e)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range v {
			out = append(out, nulls(path+"["+strconv.Itoa(i)+"]", e)...)
		}
		return out
	}
	return nil
}

// TestCrashEventGolden: the event of a panic in a goroutine with
// GOTRACEBACK=all, as the monitor keeps it for Sentry, compared with
// testdata/crash_event.golden.json once its volatile values are replaced
// (run with -update to rewrite it). It has no null value; its runtime
// context has the application's GOMAXPROCS (5, the monitor's is the
// default) and the goroutines of the dump; its build information and
// modules are those of the binary.
func TestCrashEventGolden(t *testing.T) {
	bin := crasherWithMonitor(t)
	ev := crashEventJSON(t, bin, "goroutine")
	if n := nulls("", ev); len(n) != 0 {
		t.Errorf("null values at %v", n)
	}

	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	wantModules := map[string]any{info.Main.Path: info.Main.Version}
	for _, d := range info.Deps {
		wantModules[d.Path] = d.Version
		if d.Replace != nil {
			wantModules[d.Path] = strings.TrimSpace(d.Version + " => " + d.Replace.Path + " " + d.Replace.Version)
		}
	}
	if diff := cmp.Diff(wantModules, ev["modules"]); diff != "" {
		t.Errorf("modules mismatch (-want +got):\n%s", diff)
	}
	app, _ := ev["contexts"].(map[string]any)["app"].(map[string]any)
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if app["vcs.revision"] != s.Value {
				t.Errorf("app context vcs.revision %v, want %s", app["vcs.revision"], s.Value)
			}
		case "vcs.modified":
			if app["vcs.modified"] != (s.Value == "true") {
				t.Errorf("app context vcs.modified %v, want %s", app["vcs.modified"], s.Value)
			}
		}
	}

	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalise(t, ev)); err != nil {
		t.Fatal(err)
	}
	got := []byte(b.String())
	golden := filepath.Join("testdata", "crash_event.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run the test with -update to make it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("crash event mismatch (-want +got); if the change is meant, run with -update:\n%s", diff)
	}
}

// normalise replaces what changes from run to run, machine to machine or
// build to build (IDs, times, the process, paths, versions) by
// placeholders, and checks that each was there.
func normalise(t *testing.T, ev map[string]any) map[string]any {
	t.Helper()
	set := func(m map[string]any, key, placeholder string) {
		if _, ok := m[key]; !ok {
			t.Errorf("no %q in %v", key, m)
			return
		}
		m[key] = placeholder
	}
	set(ev, "event_id", "<event_id>")
	set(ev, "timestamp", "<timestamp>")
	set(ev, "server_name", "<server_name>")
	// A release only when the build says one (see reporting's release
	// rule); the crasher built here carries neither version nor VCS.
	if _, ok := ev["release"]; ok {
		ev["release"] = "<release>"
	}
	set(ev, "sdk", "<sdk>")
	set(ev, "modules", "<modules, checked against the build information>")
	ctx := ev["contexts"].(map[string]any)
	set(ctx, "trace", "<trace>")
	set(ctx["go_crash"].(map[string]any), "pid", "<application pid>")
	set(ctx["device"].(map[string]any), "num_cpu", "<num_cpu>")
	set(ctx["runtime"].(map[string]any), "version", "<go version>")
	app := ctx["app"].(map[string]any)
	set(app, "app_start_time", "<app_start_time>")
	delete(app, "vcs.revision") // present when the build stamped it; checked against the build information
	delete(app, "vcs.modified")

	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	goroot := runtime.GOROOT()
	var frames []any
	for _, ex := range ev["exception"].([]any) {
		if st, ok := ex.(map[string]any)["stacktrace"].(map[string]any); ok {
			frames = append(frames, st["frames"].([]any)...)
		}
	}
	for _, th := range ev["threads"].([]any) {
		th := th.(map[string]any)
		if st, ok := th["stacktrace"].(map[string]any); ok {
			frames = append(frames, st["frames"].([]any)...)
		}
		// A goroutine that did not crash may not have reached where it
		// blocks yet ("runnable" or "select (no cases)"): scheduling.
		if th["crashed"] != true {
			if name, ok := th["name"].(string); ok {
				if i := strings.IndexByte(name, '['); i >= 0 {
					th["name"] = name[:i] + "[<state>]"
				}
			}
		}
		// The main goroutine is 1; the others' IDs depend on scheduling.
		if id, _ := th["id"].(string); id != "1" {
			th["id"] = "<goroutine id>"
			th["name"] = strings.Replace(th["name"].(string), "goroutine "+id+" ", "goroutine <id> ", 1)
		}
	}
	for _, f := range frames {
		f := f.(map[string]any)
		if p, ok := f["abs_path"].(string); ok {
			p = strings.Replace(p, repo, "<repo>", 1)
			p = strings.Replace(p, goroot, "<goroot>", 1)
			f["abs_path"] = p
		}
		if in, _ := f["in_app"].(bool); !in {
			f["lineno"] = "<lineno of the Go release>"
		}
	}
	return ev
}
