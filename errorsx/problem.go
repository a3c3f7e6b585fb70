package errorsx

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/supportkit/supportkit/internal/tokenshape"
)

// ProblemContentType is the media type of an RFC 9457 problem details body.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object, with two extension
// members: the error's code and a reference ID that lets a support engineer
// find the report, trace and log lines of the occurrence. Its JSON form is:
//
//	{
//	  "title": "Not Found",
//	  "status": 404,
//	  "detail": "order not found",
//	  "instance": "/orders/42",
//	  "code": "not_found",
//	  "reference_id": "4bf92f3577b34da6a3ce929d0e0e4736"
//	}
//
// "type" is omitted, which RFC 9457 reads as "about:blank"; the title is
// then the status text.
type Problem struct {
	Type        string `json:"type,omitempty"`
	Title       string `json:"title"`
	Status      int    `json:"status"`
	Detail      string `json:"detail,omitempty"`
	Instance    string `json:"instance,omitempty"`
	Code        string `json:"code"`
	ReferenceID string `json:"reference_id,omitempty"`
}

// ProblemOf returns the problem details for err, with the caller's reference
// ID (a trace or event ID; may be empty). The status comes from [CodeOf].
//
// What a caller is shown depends on the status. For 5xx, the detail is the
// public message ([Public]) if one was set and the status text otherwise:
// never the internal message, fields or stack. For 4xx, the detail is the
// public message if set, and otherwise the message of the layer that set
// the code (not its causes'). Fields and stacks are never shown. A nil err
// is treated as an Internal error.
func ProblemOf(err error, referenceID string) Problem {
	code := CodeOf(err)
	if err == nil {
		code = Internal
	}
	status := code.HTTPStatus()
	p := Problem{
		Title:       statusText(status),
		Status:      status,
		Code:        code.String(),
		ReferenceID: referenceID,
	}
	p.Detail = PublicOf(err)
	if p.Detail == "" {
		if status >= 500 {
			p.Detail = p.Title
		} else {
			p.Detail = codedMessage(err)
		}
	}
	return p
}

// WriteProblem writes err to w as an application/problem+json response, as
// [ProblemOf] describes; instance is the request's path, with each segment
// that looks like a token (a JSON Web Token, a long random key or hex
// digest) replaced by [Redacted], since proxies, browsers and support
// tickets keep it. r may be nil; for
// a HEAD request only the headers are written. The response is marked
// no-store, because it describes one occurrence.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error, referenceID string) {
	p := ProblemOf(err, referenceID)
	if r != nil && r.URL != nil {
		p.Instance = instance(r.URL.Path)
	}
	body, mErr := json.Marshal(p)
	if mErr != nil { // cannot happen with string and int members
		body = []byte(`{"title":"Internal Server Error","status":500}`)
	}
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	if r != nil && r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(append(body, '\n'))
}

// codedMessage returns the own message of the outermost layer that set the
// code in force, or "" when no layer did.
func codedMessage(err error) string {
	code := findCode(err, 0)
	if code.IsZero() {
		return ""
	}
	var msg string
	walkLayers(err, func(e *Error) {
		if e.code == code && e.msg != "" {
			msg = e.msg // later calls are outer layers
		}
	})
	return msg
}

func statusText(status int) string {
	if status == 499 {
		return "Client Closed Request"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error " + strconv.Itoa(status)
}

// instance returns path with the segments that look like tokens replaced
// by [Redacted], by the rule package reporting applies to paths too (internal/tokenshape).
func instance(path string) string { return tokenshape.RedactSegments(path, Redacted) }
