package health_test

import (
	"context"
	"fmt"

	"github.com/supportkit/supportkit/health"
)

// A checker that measures something reports it with its status: the
// health+json document shows it as "pool:connections" beside
// "pool:checkDuration".
func ExampleMeasureFunc() {
	open := 12 // in a real check: db.Stats().OpenConnections
	pool := health.MeasureFunc(func(context.Context) (health.Observation, error) {
		return health.Observation{Measurement: "connections", Value: float64(open), Unit: "connections"}, nil
	})
	r, err := health.Setup(context.Background(), health.WithCheck("pool", pool, health.Describe(health.Component{Type: "datastore"})))
	if err != nil {
		panic(err)
	}
	defer r.Shutdown(context.Background())

	for s := r.Snapshot(); ; s = r.Snapshot() {
		if res, _ := s.Result("pool"); !res.Pending {
			fmt.Printf("%s %s: %v %s\n", res.Name, res.Observation.Measurement, res.Observation.Value, res.Observation.Unit)
			return
		}
		<-s.Next()
	}
	// Output: pool connections: 12 connections
}
