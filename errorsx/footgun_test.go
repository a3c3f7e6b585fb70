package errorsx_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/errorsx"
)

// TestFootGuns: a bare Code returned as an error answers its own status;
// an OK code never makes a 200 error response; a typed-nil foreign error
// logs as "<nil>" instead of panicking in the encoder.
func TestFootGuns(t *testing.T) {
	status := func(err error) int {
		w := httptest.NewRecorder()
		errorsx.WriteProblem(w, httptest.NewRequest(http.MethodGet, "/x", nil), err, "ref")
		return w.Code
	}
	got := map[string]any{
		"bare NotFound":      status(errorsx.NotFound),
		"bare NotFound code": errorsx.CodeOf(errorsx.NotFound).String(),
		"OK.New":             status(errorsx.OK.New("all good?")),
		"OK.New code":        errorsx.CodeOf(errorsx.OK.New("all good?")).String(),
		"nil is OK":          errorsx.CodeOf(nil).String(),
	}
	want := map[string]any{
		"bare NotFound": http.StatusNotFound, "bare NotFound code": "not_found",
		"OK.New": http.StatusInternalServerError, "OK.New code": "unknown",
		"nil is OK": "ok",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes mismatch (-want +got):\n%s", diff)
	}

	var typedNil *fs.PathError
	var buf bytes.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg"}), zapcore.AddSync(&buf), zapcore.DebugLevel))
	log.Error("failed", errorsx.Zap(typedNil))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["error"] != "<nil>" {
		t.Errorf("zap line %s (%v), want error <nil>", buf.String(), err)
	}
	buf.Reset()
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", errorsx.Attr(typedNil))
	line = nil
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["error"] != "<nil>" {
		t.Errorf("slog line %s (%v), want error <nil>", buf.String(), err)
	}
}
