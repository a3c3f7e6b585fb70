package errorsx

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// FormatValue prints v as fmt's %v does, except that every [SecretValue]
// in it prints as [Redacted] however it is nested: also in an unexported
// struct field, where fmt cannot call its methods and would print an
// address. Values that hold no SecretValue are printed by fmt itself.
// %+v of an [Error] prints field values so, and so should anything that
// prints field values by reflection:
//
//	type creds struct{ user string; key errorsx.SecretValue }
//	errorsx.FormatValue(creds{"ann", errorsx.Secret("k")}) // {ann [REDACTED]}
func FormatValue(v any) string {
	if v == nil || !hasSecret(reflect.TypeOf(v)) {
		return fmt.Sprint(v)
	}
	var b strings.Builder
	budget := maxValueNodes
	writeValue(&b, reflect.ValueOf(v), 0, &budget)
	return b.String()
}

var secretType = reflect.TypeFor[SecretValue]()

// maxValueDepth bounds how deep FormatValue follows a value; deeper parts
// print as "...".
const maxValueDepth = 10

// maxValueNodes bounds the parts FormatValue prints, so that a wide graph
// with cycles (which fmt would not follow, printing addresses) costs a
// bounded amount.
const maxValueNodes = 4096

var secretTypes sync.Map // reflect.Type -> bool

// hasSecret reports whether a value of type t can hold a SecretValue
// (interfaces can hold anything, so they count).
func hasSecret(t reflect.Type) bool {
	if v, ok := secretTypes.Load(t); ok {
		return v.(bool)
	}
	h := typeHasSecret(t, map[reflect.Type]bool{})
	secretTypes.Store(t, h)
	return h
}

func typeHasSecret(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == secretType {
		return true
	}
	if seen[t] {
		return false // a recursive type: its other parts decide
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return typeHasSecret(t.Elem(), seen)
	case reflect.Map:
		return typeHasSecret(t.Key(), seen) || typeHasSecret(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if typeHasSecret(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

func writeValue(b *strings.Builder, v reflect.Value, depth int, budget *int) {
	*budget--
	if !v.IsValid() {
		b.WriteString("<nil>")
		return
	}
	if v.Type() == secretType {
		b.WriteString(Redacted)
		return
	}
	if depth > maxValueDepth || *budget < 0 {
		b.WriteString("...")
		return
	}
	// A value whose methods fmt would call prints as fmt prints it, as
	// long as no secret can hide behind those methods' reach.
	if !hasSecret(v.Type()) || (v.CanInterface() && hasPrintMethod(v)) {
		if v.CanInterface() {
			fmt.Fprint(b, v.Interface())
		} else {
			fmt.Fprint(b, v) // fmt prints what a reflect.Value holds
		}
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		writeValue(b, v.Elem(), depth+1, budget)
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		b.WriteByte('&')
		writeValue(b, v.Elem(), depth+1, budget)
	case reflect.Struct:
		b.WriteByte('{')
		for i := range v.NumField() {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, v.Field(i), depth+1, budget)
		}
		b.WriteByte('}')
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, v.Index(i), depth+1, budget)
		}
		b.WriteByte(']')
	case reflect.Map:
		type kv struct{ k, v string }
		var entries []kv
		it := v.MapRange()
		for it.Next() {
			var k, e strings.Builder
			writeValue(&k, it.Key(), depth+1, budget)
			writeValue(&e, it.Value(), depth+1, budget)
			entries = append(entries, kv{k.String(), e.String()})
		}
		slices.SortFunc(entries, func(a, b kv) int { return strings.Compare(a.k, b.k) })
		b.WriteString("map[")
		for i, e := range entries {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(e.k)
			b.WriteByte(':')
			b.WriteString(e.v)
		}
		b.WriteByte(']')
	default:
		fmt.Fprint(b, v)
	}
}

// hasPrintMethod reports whether fmt would print v through a method of
// its own (Format, Error, String).
func hasPrintMethod(v reflect.Value) bool {
	switch v.Interface().(type) {
	case fmt.Formatter, error, fmt.Stringer:
		return true
	}
	return false
}
