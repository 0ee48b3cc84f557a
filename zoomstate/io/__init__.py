"""The file edges: state files read safely (`yamlsafe`), located (`locate`), worded
(`issues`) and assembled into a `DesiredState` (`loader`); portal CSV files converted into
state files (`importcsv`, over `csv_reader`, `csv_users` and `csv_phone`)."""
