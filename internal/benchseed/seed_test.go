package benchseed

import "testing"

// The story's repeat visits spread over the clients already known: no client gets a share
// of the orders far above the average (the first hash sent every fifth order to client 1).
func TestKnownClientSpreadsRepeatVisits(t *testing.T) {
	const clients, orders = 200_000, 1_000_000
	count := make([]int, clients+1)
	for k := 2; k <= orders; k++ {
		n := (k-1)*clients/orders + 1
		c := knownClient(k, n)
		if c < 1 || c > int64(n) {
			t.Fatalf("order %d: client %d of %d", k, c, n)
		}
		count[c]++
	}
	most := 0
	for _, n := range count {
		most = max(most, n)
	}
	// Early clients are known for longer and collect more visits (about ln(orders/5) times the
	// average of 5), but never thousands.
	if most > 200 {
		t.Errorf("one client got %d repeat visits of %d orders", most, orders)
	}
}
