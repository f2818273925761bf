"""The supervisor's day at a glance: the day board (desk home), carrier cut-offs and orders at risk, charts as
server-drawn SVG, and the warehouse map with a wave's walk."""
