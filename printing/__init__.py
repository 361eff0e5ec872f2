"""Receipt printing: the receipt model, ESC/POS and PDF renderers, printer connections and the print spool runner."""
