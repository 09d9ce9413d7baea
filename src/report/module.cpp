// module report
