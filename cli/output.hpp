// Plain-text output: aligned tables for people, CSV for spreadsheets.
#pragma once

#include <string>
#include <vector>

namespace hyperscout::cli {

// Columns padded to their widest cell, separated by two spaces, with a header row.
std::string FormatTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// RFC 4180 quoting (rows end in LF, which every CSV reader accepts): a field with a comma, quote, CR or LF is wrapped
// in quotes and its quotes doubled.
std::string CsvField(const std::string& field);
std::string CsvRow(const std::vector<std::string>& fields);

// A short form for tables: 6 significant digits.
std::string ShortNumber(double value);

}  // namespace hyperscout::cli
