// module build
