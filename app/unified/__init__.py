"""The one package that knows both sources: the timeline, the summary, contact links and
the campaign-to-list mapping."""
