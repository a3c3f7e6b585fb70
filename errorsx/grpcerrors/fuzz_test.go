package grpcerrors_test

import (
	"testing"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
)

// FuzzFromStatus feeds FromStatus the grpc-status-details-bin a peer
// sends: whatever the bytes, it must not panic, and the error's code is
// never OK.
func FuzzFromStatus(f *testing.F) {
	seed, _ := proto.Marshal(grpcerrors.Status(errorsx.NotFound.New("x"), "ref").Proto())
	f.Add(seed)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p spb.Status
		if proto.Unmarshal(b, &p) != nil {
			return
		}
		st := status.FromProto(&p)
		err := grpcerrors.FromStatus(st)
		if (err == nil) != (st.Code() == 0) {
			t.Fatalf("FromStatus(%v) = %v", st, err)
		}
		if err != nil && errorsx.CodeOf(err) == errorsx.OK {
			t.Fatalf("FromStatus(%v) has code OK", st)
		}
		_ = grpcerrors.ReferenceOf(err)
	})
}
