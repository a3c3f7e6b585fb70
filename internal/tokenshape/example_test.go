package tokenshape_test

import (
	"fmt"

	"github.com/supportkit/supportkit/internal/tokenshape"
)

// A path segment that looks like a key is hidden; an order number, a UUID
// or a slug is not.
func ExampleHasRandomRun() {
	for _, seg := range []string{"orders", "1001", "123e4567-e89b-12d3-a456-426614174000", "sk_live_4eC39HqLyjWDarjtT1zdp7dcXyZ0aB"} {
		fmt.Println(tokenshape.HasRandomRun(seg), seg)
	}
	// Output:
	// false orders
	// false 1001
	// false 123e4567-e89b-12d3-a456-426614174000
	// true sk_live_4eC39HqLyjWDarjtT1zdp7dcXyZ0aB
}
