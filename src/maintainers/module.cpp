// module maintainers
