package grpcerrors_test

import (
	"fmt"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/errorsx/grpcerrors"
)

func Example() {
	// Server side: what the client gets for a handler's error.
	err := errorsx.Unavailable.New("dial payments-db: connection refused", "host", "10.0.0.7")
	st := grpcerrors.Status(err, "4bf92f3577b34da6a3ce929d0e0e4736")
	fmt.Println(st.Code(), st.Message())

	// Client side: the status back as an errorsx error.
	back := grpcerrors.FromStatus(st)
	fmt.Println(errorsx.CodeOf(back), grpcerrors.ReferenceOf(back))
	// Output:
	// Unavailable Service Unavailable
	// unavailable 4bf92f3577b34da6a3ce929d0e0e4736
}
