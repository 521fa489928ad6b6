"""Figures derived from recorded events, shared by the report API and the processes that
review them (the monthly complaint review reads `complaints.complaint_figures`)."""
