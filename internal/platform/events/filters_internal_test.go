package events

import "testing"

func TestOneConsumerOnSeveralSubjectsBeforeNATS210(t *testing.T) {
	for version, many := range map[string]bool{"2.9.10": false, "2.10.0": true, "2.15.2": true, "3.0.0": true, "": true} {
		if got := serverFiltersMany(version); got != many {
			t.Errorf("serverFiltersMany(%q) = %v, want %v", version, got, many)
		}
	}
	filters := []string{"billing.plan.>", "billing.order.completed"}
	for subject, want := range map[string]bool{
		"billing.plan.created": true, "billing.order.completed": true,
		"billing.order.created": false, "billing.payment.refunded": false,
	} {
		if got := matchesAny(subject, filters); got != want {
			t.Errorf("matchesAny(%q) = %v, want %v", subject, got, want)
		}
	}
}
