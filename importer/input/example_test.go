package input_test

import (
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/capillary-tools/groupimport/importer/input"
)

// A CSV file saved by Excel in a European locale: Windows-1252 and
// semicolons, both detected.
func ExampleOpen() {
	f, err := input.Open(filepath.Join("..", "..", "samples", "fleets-excel-eu.csv"), nil, input.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fmt.Printf("%s, %s, delimiter %q, header on row %d\n", f.Format, f.Encoding, f.Delimiter, f.HeaderRow)
	for range 3 {
		cells, row, err := f.Records.Next()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row, cells[f.Columns.ExternalID], cells[f.Columns.GroupName], cells[f.Columns.MaxGroupSize])
	}
	// Output:
	// csv, windows-1252, delimiter ';', header on row 1
	// 2 FLT-3001 Spedition Müller GmbH 120
	// 3 FLT-3002 Transports Lefèvre & Fils 80
	// 4 FLT-3003 Société Générale de Fret 45
}

// A workbook with a title above the header: rows keep Excel's numbers, and
// numbers come out as Excel shows them.
func ExampleOpen_workbook() {
	f, err := input.Open(filepath.Join("..", "..", "samples", "fleets.xlsx"), nil, input.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fmt.Printf("%s, sheet %q, header on row %d of %d\n", f.Format, f.Sheet, f.HeaderRow, f.Size)
	cells, row, err := f.Records.Next()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(row, strings.Join(cells, "|"))
	// Output:
	// xlsx, sheet "Fleets", header on row 3 of 41
	// 4 FLT-1001|Northwind Logistics|120|25|gold|
}

// Standard input, with the header's names mapped onto the fields.
func ExampleOpen_stdin() {
	aliases, err := input.ParseMap("Fleet Code=externalId,Size=maxGroupSize,Tier=ext.tier")
	if err != nil {
		log.Fatal(err)
	}
	in := strings.NewReader("Fleet Code|Size|Tier\nF-1|30,000|gold\n")
	f, err := input.Open("-", in, input.Options{Map: aliases})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cells, row, err := f.Records.Next()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("delimiter %q; row %d: externalId %s, maxGroupSize %s, ext.%s %s\n", f.Delimiter, row,
		cells[f.Columns.ExternalID], cells[f.Columns.MaxGroupSize], f.Columns.Ext[0].Name, cells[f.Columns.Ext[0].Index])
	// Output:
	// delimiter '|'; row 2: externalId F-1, maxGroupSize 30,000, ext.tier gold
}

func ExampleParseMap() {
	aliases, err := input.ParseMap("Fleet Code=externalId, Name=groupName, Size=maxGroupSize, Tier=ext.Tier")
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range slices.Sorted(maps.Keys(aliases)) {
		fmt.Printf("%s -> %s\n", k, aliases[k])
	}

	_, err = input.ParseMap("Fleet Code=id")
	fmt.Println(err)
	// Output:
	// fleetcode -> externalid
	// name -> groupname
	// size -> maxgroupsize
	// tier -> ext.Tier
	// map: "Fleet Code=id": unknown field "id"; the fields are externalId, groupName, maxGroupSize, limit and ext.NAME
}

// Errors name the file and say what to do.
func ExampleError() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "fleets.csv")
	if err := os.WriteFile(path, []byte("%PDF-1.7\n..."), 0o600); err != nil {
		log.Fatal(err)
	}
	_, err = input.Open(path, nil, input.Options{})
	fmt.Println(strings.TrimPrefix(err.Error(), dir+string(filepath.Separator)))
	// Output:
	// fleets.csv: is a PDF document, not a spreadsheet; export the sheet as CSV UTF-8 or Excel Workbook (.xlsx)
}
