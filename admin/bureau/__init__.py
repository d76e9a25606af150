"""The bureau section of the back office: township and county dashboards under
`/admin/bureau/`. Views parse the period, ask `marketplace.oversight` for the dashboard and
draw it (charts with Apache ECharts, each beside its table and CSV/XLSX downloads)."""
