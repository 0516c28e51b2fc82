"""Export UI: the export dialog, the Exports jobs dock and the stills dialog."""
