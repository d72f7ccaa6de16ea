// Package importer moves a shop's data in from CSV and XLSX files (and, in export*.go and
// write*.go, out again): clients, vehicles and the catalog with opening stock.
//
// Reading copes with what Russian Excel and other systems produce: a byte-order mark, UTF-8 or
// Windows-1251 text, `,` `;` or tab as the separator, quoted fields with separators and line
// breaks inside, numbers as "1 500,50", dates as 03.12.2026, 03.12.26, 2026-12-03 or Excel
// serials, phones in any usual form (normalised to E.164), plates in Latin or Cyrillic letters.
// Columns are found by their header names in Russian or English (Headers gives the canonical
// ones, which export writes); unknown columns are reported, not fatal.
//
// Rows are streamed: each one is parsed and normalised as it is read and copied into a
// temporary staging table; de-duplication and the merge with the database are then a few
// set-based SQL statements in one transaction (crm/import*.go). A dry run does the same and rolls
// back, so its report is exactly what applying would do. A batch can be undone while its
// records have not been used by orders.
package importer
