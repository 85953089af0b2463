# Render change.Rmd for the whole study and each site in one R process, as a statistician would:
# Rscript loop.R SCORES.csv OUT_DIR
suppressPackageStartupMessages(library(rmarkdown))
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))))
scores <- normalizePath(args[1])
out <- args[2]
dir.create(out, showWarnings = FALSE)
for (site in c("all", sort(unique(read.csv(scores)$site)))) {
  render(file.path(here, "change.Rmd"), params = list(data = scores, site = site),
         output_file = paste0(site, ".html"), output_dir = out, intermediates_dir = tempdir(),
         envir = new.env(), quiet = TRUE)
}
