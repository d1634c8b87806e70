package input

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/capillary-tools/groupimport/importer"
	"github.com/capillary-tools/groupimport/importer/capillary"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite samples/fleets.xlsx and samples/fleets-excel-eu.csv")

var samplesDir = filepath.Join("..", "..", "samples")

// readSampleCSV reads samples/fleets.csv as plain records.
func readSampleCSV(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, "fleets.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// writeSampleXLSX writes fleets.csv as a workbook the way a person keeps
// it: a title, an empty row, the header on row 3, numbers stored as
// numbers ("15.0" as 15 formatted with one decimal), the sheet's extent
// recorded as Excel records it.
func writeSampleXLSX(t *testing.T, recs [][]string, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Fleets"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", sheet))
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	must(err)
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	must(err)
	custom := "0.0"
	oneDecimal, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	must(err)

	must(f.SetCellStr(sheet, "A1", "Fleet export 2026-11-25"))
	must(f.SetCellStyle(sheet, "A1", "A1", title))
	const first = 3 // the header's row
	for i, rec := range recs {
		row := first + i
		for j, v := range rec {
			ref, err := excelize.CoordinatesToCellName(j+1, row)
			must(err)
			if v == "" {
				continue
			}
			if n, err := strconv.ParseFloat(v, 64); err == nil && i > 0 {
				must(f.SetCellFloat(sheet, ref, n, -1, 64))
				if strings.Contains(v, ".") {
					must(f.SetCellStyle(sheet, ref, ref, oneDecimal))
				}
				continue
			}
			must(f.SetCellStr(sheet, ref, v))
		}
	}
	last, err := excelize.CoordinatesToCellName(len(recs[0]), first+len(recs)-1)
	must(err)
	must(f.SetCellStyle(sheet, "A3", strings.TrimRight(last, "0123456789")+"3", bold))
	must(f.SetSheetDimension(sheet, "A1:"+last))
	must(f.SetColWidth(sheet, "A", "A", 12))
	must(f.SetColWidth(sheet, "B", "B", 52))
	must(f.SetColWidth(sheet, "C", "F", 14))
	must(f.SaveAs(path))
	must(os.Chmod(path, 0o644))
}

// euRows is samples/fleets-excel-eu.csv: what European Excel writes for a
// fleet list, including the mistakes people make in it.
const euRows = `externalId;groupName;maxGroupSize;ext.platinum;ext.tier;ext.colour
FLT-3001;Spedition Müller GmbH;120;25;gold;
FLT-3002;Transports Lefèvre & Fils;80;;argent;
FLT-3003;Société Générale de Fret;45;10;;bleu
FLT-3004;Autocares Peñalara S.L.;300;;bronze;
FLT-3005;Ålesund Bilutleie AS;60;5;gold;
FLT-3006;Kühne Kühltransporte;150;;;
FLT-3007;Taxis Côte d'Azur;90;12;silber;
FLT-3008;Øresund Logistik ApS;40;;;
FLT-3009;Trasporti Società Ferrière;210;30;gold;
FLT-3010;Mudanças Conceição Lda.;75;;;
FLT-3011;Bäckerei Größl Lieferdienst;500;40;platin;
FLT-3012;Çelik Kurier GmbH;35;;;
FLT-3013;Coöperatie Vrachtvervoer Zeeland;25;8;bronze;
FLT-3014;Überland Fahrzeugvermietung;110;;;
FLT-3015;Limousines Élysée;20;;gold;
FLT-3016;Ambulances Saint-Rémy;55;15;;
FLT-3017;Schulbusse Jürgensen;180;;;
FLT-3018;Entsorgung Straßburger;95;20;silber;
FLT-3019;Location Bréval;65;;;
FLT-3020;Hofgut Öhringen Fuhrpark;15,0;;;
FLT-3021;"Dupont; Fils & Cie";140;;;
FLT-3022;Navettes Genève–Annecy;85;10;bronze;
FLT-3023;"Fahrschule ""Lenkrad"" Köln";70;;;
FLT-3024;Vélos Cargo Nantes (5 € par jour);400;;;
FLT-3025;Transportes Andaluzes;1.200;;;
FLT-3026;Ærø Færgefart;12,5;;;
FLT-3027;Grüne Welle Carsharing;250;;smaragd;grün
FLT-3028;;40;;;
FLT-3029;Molkerei Zwölfer;0;;;
FLT-3030;Nordlicht Reisen;45000;;;
FLT-3031;Holzspedition Schwarzwälder;zwölf;;;
;Flotte ohne Kennung;30;;;
FLT-3032;Ein Flottenname, der viel zu lang für die API ist;10;;;
FLT-3005;Ålesund Bilutleie AS (doppelt);60;;;
FLT-3033;Kanalstraße Kuriere;15;;;
`

// writeSampleEU writes euRows as Excel "CSV" in a European locale on
// Windows: Windows-1252, ';', CRLF, no byte-order mark.
func writeSampleEU(t *testing.T, path string) {
	t.Helper()
	data := cp1252(t, strings.ReplaceAll(euRows, "\n", "\r\n"))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSamples(t *testing.T) {
	recs := readSampleCSV(t)
	xlsxPath := filepath.Join(samplesDir, "fleets.xlsx")
	euPath := filepath.Join(samplesDir, "fleets-excel-eu.csv")
	if *update {
		writeSampleXLSX(t, recs, xlsxPath)
		writeSampleEU(t, euPath)
	}

	t.Run("fleets.xlsx reads as fleets.csv", func(t *testing.T) {
		f := open(t, xlsxPath, Options{})
		if f.Sheet != "Fleets" || f.HeaderRow != 3 || f.Size != int64(len(recs)+2) {
			t.Errorf("sheet %q, header row %d, size %d", f.Sheet, f.HeaderRow, f.Size)
		}
		var want []string
		for i, rec := range recs[1:] {
			want = append(want, strconv.Itoa(i+4)+": "+strings.Join(rec, "|"))
		}
		equal(t, rows(t, f.Records), want)
	})

	t.Run("fleets-excel-eu.csv", func(t *testing.T) {
		raw, err := os.ReadFile(euPath)
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(raw) || bytes.HasPrefix(raw, bomUTF8) || !bytes.Contains(raw, []byte("\r\n")) {
			t.Error("the sample is not Windows-1252 with CRLF line ends")
		}
		f := open(t, euPath, Options{})
		if f.Encoding != Windows1252 || f.Delimiter != ';' || f.HeaderRow != 1 {
			t.Errorf("encoding %q, delimiter %q, header row %d", f.Encoding, f.Delimiter, f.HeaderRow)
		}
		got := rows(t, f.Records)
		r := csv.NewReader(strings.NewReader(euRows))
		r.Comma = ';'
		all, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var exp []string
		for i, rec := range all[1:] {
			exp = append(exp, strconv.Itoa(i+2)+": "+strings.Join(rec, "|"))
		}
		equal(t, got, exp)
		for _, line := range []string{"4: FLT-3003|Société Générale de Fret|45|10||bleu", "25: FLT-3024|Vélos Cargo Nantes (5 € par jour)|400|||"} {
			found := false
			for _, g := range got {
				found = found || g == line
			}
			if !found {
				t.Errorf("no row %q", line)
			}
		}
	})
}

// TestSamplesValidate runs the European sample through the validator: the
// decimal comma, thousands separators and accented names arrive as the
// user meant them.
func TestSamplesValidate(t *testing.T) {
	f := open(t, filepath.Join(samplesDir, "fleets-excel-eu.csv"), Options{})
	v := &importer.Validator{Cols: f.Columns, MaxGroupSize: importer.DefaultMaxGroupSize}
	got := map[string]string{}
	for {
		cells, row, err := f.Records.Next()
		if err != nil {
			break
		}
		var g capillary.Group
		_, problems, _ := v.Validate(cells, &g)
		problem := importer.JoinProblems(problems)
		if len(problems) == 0 {
			problem = "ok " + g.GroupName + " " + strconv.FormatInt(g.MaxGroupSize, 10)
		}
		got[strconv.Itoa(row)] = problem
	}
	for row, want := range map[string]string{
		"2":  "ok Spedition Müller GmbH 120",
		"21": "ok Hofgut Öhringen Fuhrpark 15",
		"22": "ok Dupont; Fils & Cie 140",
		"24": `ok Fahrschule "Lenkrad" Köln 70`,
		"26": `maxGroupSize: "1.200" is ambiguous (1.2 with a decimal point, 1200 with a thousands separator); write the number without separators`,
		"27": `maxGroupSize: "12,5" is not a whole number`,
		"32": `maxGroupSize: "zwölf" is not a whole number`,
	} {
		if got[row] != want {
			t.Errorf("row %s: %q, want %q", row, got[row], want)
		}
	}
}
