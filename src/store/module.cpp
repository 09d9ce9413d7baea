// module store
