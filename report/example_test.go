package report_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/report"
)

func ExampleWriter() {
	w := report.NewWriter(os.Stdout)
	_ = w.Write(importer.Result{Row: 2, ExternalID: "grp-001", Status: importer.Created, EntityID: 9001, Attempts: 1, RequestID: "req-1"})
	_ = w.Write(importer.Result{Row: 3, ExternalID: "=cmd()", Status: importer.Invalid, Message: "externalId has forbidden characters"})
	_ = w.Write(importer.Result{Row: 4, ExternalID: "grp-003", Status: importer.CreatedWithWarnings, EntityID: 9002, Attempts: 1,
		Warnings: []importer.Notice{{Code: 8015, Message: "colour not saved"}, {Code: 8016, Message: "region not saved"}}})
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// row,externalId,status,entityId,code,message,warnings,attempts,requestId,reason,action,fingerprint,differences,sent
	// 2,grp-001,created,9001,,,,1,req-1,,,,,
	// 3,'=cmd(),invalid,,,externalId has forbidden characters,,0,,,,,,
	// 4,grp-003,created_with_warnings,9002,,,8015: colour not saved | 8016: region not saved,1,,,,,,
}

func ExampleReadResults() {
	results := `row,externalId,status,entityId,code,message,warnings,attempts,requestId
2,grp-001,created,9001,,,,1,req-1
3,'=cmd(),invalid,,,externalId has forbidden characters,,0,
4,grp-003,failed,,,HTTP 503,,5,req-3
`
	err := report.ReadResults(strings.NewReader(results), func(r importer.Result) error {
		fmt.Printf("row %d %q %s final=%v\n", r.Row, r.ExternalID, r.Status, r.Status.Final())
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// row 2 "grp-001" created final=true
	// row 3 "=cmd()" invalid final=true
	// row 4 "grp-003" failed final=false
}
