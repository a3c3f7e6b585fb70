package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
)

// A support engineer lists the errors of one route, then a script reads
// the event that a user's reference ID names (quoted as a UUID here).
func Example() {
	ctx := context.Background()
	run(ctx, []string{"ls", "-outbox", "testdata/outbox", "-route", "/fail"}, os.Stdout, os.Stderr)

	var out bytes.Buffer
	run(ctx, []string{"show", "-outbox", "testdata/outbox", "-json", "d3944cbc-9df6-4d1b-aad8-211a296456f8"}, &out, os.Stderr)
	var shown struct {
		MatchedBy string `json:"matched_by"`
		Events    []struct {
			Title   string `json:"title"`
			TraceID string `json:"trace_id"`
		} `json:"events"`
	}
	if err := json.Unmarshal(out.Bytes(), &shown); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("by %s: %s, trace %s\n", shown.MatchedBy, shown.Events[0].Title, shown.Events[0].TraceID)
	// Output:
	// GROUP         COUNT  FIRST SEEN                LAST SEEN                 LEVEL  TITLE                                                            ROUTES     RELEASES
	// 93b40c4f1e15  1      2026-11-30T07:18:18.244Z  2026-11-30T07:18:18.244Z  error  internal: check stock: inventory service refused the connection  GET /fail  -
	// 1 event in 1 group; supportkit show EVENT_ID for one
	// by event_id: internal: check stock: inventory service refused the connection, trace a89eef34c9b58311a28077d589c94bfd
}
