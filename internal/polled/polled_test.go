package polled

import "testing"

func TestPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/livez": true, "/readyz": true, "/startupz": true, "/healthz": true, "/health": true, "/ping": true,
		"/metrics": true, "/livez/db": true, "/readyz/": true,
		"/": false, "/orders": false, "/livezz": false, "/pingpong": false, "/metricsx": false, "/api/livez": false, "": false,
	} {
		if got := Path(path); got != want {
			t.Errorf("Path(%q) = %v, want %v", path, got, want)
		}
	}
}
