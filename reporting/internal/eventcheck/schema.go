package eventcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var english = message.NewPrinter(language.English)

// Canonical rewrites an event into the form of Sentry's event schema the
// way Relay reads sentry-go's: a bare array of exception, threads or
// breadcrumbs becomes {"values": [...]}, and a top-level "message" string
// becomes logentry.formatted (its legacy alias). Everything else is kept.
func Canonical(event []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	for _, k := range []string{"exception", "threads", "breadcrumbs"} {
		if l, ok := m[k].([]any); ok {
			m[k] = map[string]any{"values": l}
		}
	}
	if msg, ok := m["message"].(string); ok {
		delete(m, "message")
		le, _ := m["logentry"].(map[string]any)
		if le == nil {
			le = map[string]any{}
		}
		if _, ok := le["formatted"]; !ok {
			le["formatted"] = msg
		}
		m["logentry"] = le
	}
	return json.Marshal(m)
}

// CheckAgainstSchema validates event, after [Canonical], against the JSON
// schema at schemaPath (Sentry's relay/event.schema.json) and returns the
// validator's findings, one line each; none means the event is valid. The
// error is for a schema that cannot be read or compiled.
func CheckAgainstSchema(schemaPath string, event []byte) ([]string, error) {
	sch, err := compile(schemaPath)
	if err != nil {
		return nil, err
	}
	canon, err := Canonical(event)
	if err != nil {
		return []string{"not a JSON object: " + err.Error()}, nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(canon))
	if err != nil {
		return nil, err
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var out []string
	leaves(ve, &out)
	return out, nil
}

func compile(path string) (*jsonschema.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("eventcheck: schema %s: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	// The schema is draft-07; its formats "uint64" and "double" describe
	// Relay's Rust types and are unknown to the validator, so they stay
	// annotations.
	c.DefaultDraft(jsonschema.Draft7)
	// Draft-07 asserts the formats it knows, and "uuid" is one: the
	// validator wants the hyphenated form, but Relay's EventId takes the
	// 32-hex-digit "simple" form every SDK sends as well.
	c.RegisterFormat(&jsonschema.Format{Name: "uuid", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if !hex32.MatchString(strings.ReplaceAll(strings.ToLower(s), "-", "")) {
			return fmt.Errorf("%q is not a UUID", s)
		}
		return nil
	}})
	const url = "file:///relay-event.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// leaves flattens a validation error to its innermost causes, which name
// the field; the anyOf wrappers above them only repeat "anyOf failed".
func leaves(ve *jsonschema.ValidationError, out *[]string) {
	if len(ve.Causes) == 0 {
		*out = append(*out, "/"+strings.Join(ve.InstanceLocation, "/")+": "+ve.ErrorKind.LocalizedString(english))
		return
	}
	for _, c := range ve.Causes {
		leaves(c, out)
	}
}
