// Package hubtest is a fake Hugging Face hub for tests (httptest): it answers the hub's
// resolve URLs as the hub does, redirecting large (LFS) files to a CDN of its own, with the
// hub's 401 and 404 answers, HTTP ranges, and a record of every request; and it writes
// Parquet files as the datasets library writes them, images included. It touches no network.
package hubtest
