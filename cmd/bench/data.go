package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The input every tool reads: a header and n unique groups, the columns
// the README documents, about 32 bytes a row.
const header = "externalId,groupName,maxGroupSize"

func row(i int) (id, name string, size int) {
	return fmt.Sprintf("g%07d", i), "Fleet " + strconv.Itoa(i), 100 + i%900
}

// body is the JSON every tool sends for row i: what groupimport sends.
func body(i int) string {
	id, name, size := row(i)
	return `{"externalId":"` + id + `","groupName":"` + name + `","maxGroupSize":` + strconv.Itoa(size) + `}`
}

// writeLines writes n lines made by line to path, unless it exists.
func writeLines(path string, n int, first string, line func(i int) string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if first != "" {
		w.WriteString(first)
		w.WriteByte('\n')
	}
	for i := range n {
		w.WriteString(line(i))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeCSV(path string, n int) error {
	return writeLines(path, n, header, func(i int) string {
		id, name, size := row(i)
		return id + "," + name + "," + strconv.Itoa(size)
	})
}

// writeBodies writes one JSON body a line, for xargs.
func writeBodies(path string, n int) error {
	return writeLines(path, n, "", body)
}

// writeVegetaTargets writes vegeta's JSON target format, one request a line.
func writeVegetaTargets(path, url, auth string, n int) error {
	hdr, _ := json.Marshal(map[string][]string{"Content-Type": {"application/json"}, "Authorization": {auth}})
	prefix := `{"method":"POST","url":"` + url + `","header":` + string(hdr) + `,"body":"`
	return writeLines(path, n, "", func(i int) string {
		return prefix + base64.StdEncoding.EncodeToString([]byte(body(i))) + `"}`
	})
}

// writeCurlConfig writes a curl config with one transfer per row.
func writeCurlConfig(path, url, auth string, n int) error {
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
	common := "url = " + q(url) + "\nheader = " + q("Content-Type: application/json") + "\nheader = " + q("Authorization: "+auth) +
		"\noutput = \"/dev/null\"\nwrite-out = \"%{http_code}\\n\"\n"
	return writeLines(path, n, "", func(i int) string {
		s := common + "data-raw = " + q(body(i)) + "\n"
		if i < n-1 {
			s += "next"
		}
		return s
	})
}

// writeNewmanCollection writes a Postman collection that posts one group
// per iteration from the columns of the data file.
func writeNewmanCollection(path string) error {
	c := map[string]any{
		"info": map[string]any{
			"name":   "groupimport bench",
			"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
		},
		"item": []any{map[string]any{
			"name": "create group",
			"request": map[string]any{
				"method": "POST",
				"url":    "{{baseUrl}}/v2/userGroup2",
				"header": []any{
					map[string]string{"key": "Content-Type", "value": "application/json"},
					map[string]string{"key": "Authorization", "value": "{{auth}}"},
				},
				"body": map[string]any{
					"mode": "raw",
					"raw":  `{"externalId":"{{externalId}}","groupName":"{{groupName}}","maxGroupSize":{{maxGroupSize}}}`,
				},
			},
		}},
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
