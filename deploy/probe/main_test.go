package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCheckWantsA2xxInTime(t *testing.T) {
	status := http.StatusOK
	slow := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-slow
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"unavailable"}`))
	}))
	defer srv.Close()
	defer close(slow)

	require.NoError(t, check(srv.URL+"/readyz", time.Second))
	status = http.StatusServiceUnavailable
	err := check(srv.URL+"/readyz", time.Second)
	require.ErrorContains(t, err, "answered 503")
	require.ErrorContains(t, err, "unavailable", "the answer's start says why")
	require.Error(t, check(srv.URL+"/slow", 50*time.Millisecond), "a hung server is not healthy")
	require.Error(t, check("http://127.0.0.1:1/readyz", time.Second), "nothing listening")
}
