package reporting

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/supportkit/supportkit/internal/buildinfo"
)

// ownModule is supportkit's module path.
const ownModule = "github.com/supportkit/supportkit"

// sdkName names supportkit's events apart from sentry-go's own.
const sdkName = "supportkit.go"

// processInfo is what every event says about the process: computed once at
// Setup, read-only after, shared by all events (each event gets copies of
// the maps, so that scrubbing and BeforeSend hooks may change them).
type processInfo struct {
	os, device, app sentry.Context
	modules         map[string]string
	sdk             sentry.SdkInfo
	release         string // derived from the build information, "" when it cannot be
}

func newProcessInfo(start time.Time) processInfo {
	info, _ := debug.ReadBuildInfo()
	p := processInfo{
		os:     sentry.Context{"name": runtime.GOOS},
		device: sentry.Context{"arch": runtime.GOARCH, "num_cpu": runtime.NumCPU()},
		app:    sentry.Context{"app_start_time": start.UTC().Format(time.RFC3339)},
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			p.os["kernel_version"] = v
		}
	}
	p.sdk = sentry.SdkInfo{
		Name:         sdkName,
		Version:      supportkitVersion(info),
		Integrations: []string{"sentry-go"},
		Packages: []sentry.SdkPackage{
			{Name: "go:" + ownModule, Version: supportkitVersion(info)},
			{Name: "sentry-go", Version: sentry.SDKVersion},
		},
	}
	if info == nil {
		return p
	}
	p.release = buildRelease(info)
	if info.GoVersion != "" {
		p.app["go_version"] = info.GoVersion
	}
	if info.Main.Path != "" {
		p.app["app_identifier"] = info.Main.Path
		p.app["app_name"] = lastElement(info.Main.Path)
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		p.app["app_version"] = v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time":
			if s.Value != "" {
				p.app[s.Key] = s.Value
			}
		case "vcs.modified":
			if s.Value != "" {
				p.app[s.Key] = s.Value == "true"
			}
		}
	}
	if len(info.Deps) > 0 {
		p.modules = make(map[string]string, len(info.Deps))
		for _, d := range info.Deps {
			v := d.Version
			if r := d.Replace; r != nil {
				// What runs is the replacement. A local directory is
				// not named: its path says nothing to Sentry and may
				// name a person's home.
				switch {
				case r.Version == "" || r.Version == "(devel)":
					v = "(local)"
				case r.Path != d.Path:
					v = r.Path + "@" + r.Version
				default:
					v = r.Version
				}
			}
			if v != "" {
				p.modules[d.Path] = v
			}
		}
	}
	return p
}

// supportkitVersion is the version of supportkit built into the binary,
// or "devel" when it is not a tagged version.
func supportkitVersion(info *debug.BuildInfo) string {
	if info == nil {
		return "devel"
	}
	v := ""
	if info.Main.Path == ownModule {
		v = info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == ownModule {
			v = d.Version
			if d.Replace != nil {
				v = d.Replace.Version
			}
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
}

// buildRelease names the release from the binary's build information:
// "<name>@<version>", name the last element of the main module's path
// (Sentry rejects "/" in a release), version the module's version, or the
// first 12 digits of the VCS revision ("-dirty" when the tree was
// modified). It returns "" when neither is known: one shared made-up
// release would merge unrelated builds.
func buildRelease(info *debug.BuildInfo) string {
	name := lastElement(info.Main.Path)
	if name == "" {
		return ""
	}
	version := buildinfo.Version(info)
	if version == "" {
		return ""
	}
	rel := name + "@" + version
	if releaseProblem(rel) != "" {
		return ""
	}
	return rel
}

func lastElement(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// maxRelease is the longest release Sentry accepts.
const maxRelease = 200

// releaseProblem says why Sentry would reject rel as a release, or "".
func releaseProblem(rel string) string {
	switch {
	case len(rel) > maxRelease:
		return "longer than 200 characters"
	case rel == "." || rel == "..":
		return `must not be "." or ".."`
	case strings.EqualFold(rel, "latest"):
		return `must not be "latest"`
	case strings.ContainsAny(rel, "/\n\r\t"):
		return "must not contain a slash, newline or tab"
	}
	return ""
}

// runtimeContext is the context "runtime" with the goroutine count taken
// when the event was captured.
func runtimeContext(goroutines int) sentry.Context {
	return sentry.Context{
		"name":           "go",
		"version":        runtime.Version(),
		"go_maxprocs":    runtime.GOMAXPROCS(0),
		"go_numroutines": goroutines,
	}
}

// decorate gives an event (ours or one captured through sentry-go's API)
// what is true of the process: SDK, contexts, modules. What the event
// already says wins, key by key: the crash monitor's event describes the
// application that crashed (its GOMAXPROCS, its start), not the monitor.
// It never writes a null: unknown keys are left out.
func (p *processInfo) decorate(ev *sentry.Event) {
	ev.Sdk = p.sdk
	ev.Sdk.Integrations = append([]string(nil), p.sdk.Integrations...)
	ev.Sdk.Packages = append([]sentry.SdkPackage(nil), p.sdk.Packages...)
	if ev.Contexts == nil {
		ev.Contexts = map[string]sentry.Context{}
	}
	ev.Contexts["os"] = merge(ev.Contexts["os"], p.os)
	ev.Contexts["device"] = merge(ev.Contexts["device"], p.device)
	ev.Contexts["app"] = merge(ev.Contexts["app"], p.app)
	n, ok := ev.Contexts["runtime"]["go_numroutines"].(int)
	if !ok {
		n = runtime.NumGoroutine()
	}
	if _, given := ev.Contexts["runtime"]["go_numroutines"]; given || ev.Contexts["runtime"] == nil {
		ev.Contexts["runtime"] = merge(ev.Contexts["runtime"], runtimeContext(n))
	} else {
		// The event's runtime leaves the goroutine count out on purpose
		// (a crash dump that did not list them all): keep it so.
		rc := runtimeContext(n)
		delete(rc, "go_numroutines")
		ev.Contexts["runtime"] = merge(ev.Contexts["runtime"], rc)
	}
	if len(ev.Modules) == 0 && p.modules != nil {
		ev.Modules = make(map[string]string, len(p.modules))
		for k, v := range p.modules {
			ev.Modules[k] = v
		}
	}
}

// merge returns a copy of have with the keys of defaults it lacks; nil
// values in have are dropped (Sentry takes null for "unknown" badly).
func merge(have, defaults sentry.Context) sentry.Context {
	out := make(sentry.Context, len(have)+len(defaults))
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range have {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

func copyContext(c sentry.Context) sentry.Context {
	out := make(sentry.Context, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// noRelease is the client's release when events carry none: sentry-go
// would run git to guess one if it had none.
const noRelease = "supportkit-no-release"

// beforeSendAPI finishes an event captured through sentry-go's own API on
// a reporter's hub, as the reporter's own are finished in process.
func (r *Reporter) beforeSendAPI(ev *sentry.Event, hint *sentry.EventHint) *sentry.Event {
	if ev.Release == noRelease {
		ev.Release = ""
	}
	if tc := ev.Contexts["trace"]; tc != nil {
		if fmt.Sprint(tc["trace_id"]) == r.baseTrace.String() {
			tc = copyContext(tc)
			tc["trace_id"] = newTraceID()
			ev.Contexts["trace"] = tc
		}
	}
	r.markInApp(ev)
	return r.beforeSend(ev, hint) // which decorates it
}
