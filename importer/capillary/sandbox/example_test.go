package sandbox_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/capillary-tools/groupimport/importer/capillary/sandbox"
)

func ExampleNewServer() {
	s := sandbox.NewServer(sandbox.Config{})
	defer s.Close()

	req, _ := http.NewRequest(http.MethodPost, s.URL+sandbox.GroupPath,
		strings.NewReader(`{"externalId":"natwest_16","groupName":"natwest14","maxGroupSize":110,"extendedFields":{"platinum":"25"}}`))
	req.Header.Set("Content-Type", "application/json")
	// The Basic header carries the lowercase hex MD5 of the till's password.
	sum := md5.Sum([]byte(sandbox.DefaultTillPassword))
	req.SetBasicAuth(sandbox.DefaultTill, hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	fmt.Println("created:", s.Creations("natwest_16"))
	// Output:
	// 200 {"entity":2000,"warnings":[]}
	// created: 1
}

func ExampleServer_SetFaults() {
	s := sandbox.NewServer(sandbox.Config{})
	defer s.Close()
	// Half the requests fail with a 5xx, reproducibly.
	s.SetFaults(sandbox.Faults{Error5xx: 0.5, Seed: 1})
	// ... run the client under test, then switch the faults off again.
	s.SetFaults(sandbox.Faults{})
	fmt.Println(s.Stats().Faults5xx)
	// Output: 0
}
