"""The standard forms (帳票) of the 自立相談支援事業 as PDF, from the recorded data (issue 14, process.md §2)."""
