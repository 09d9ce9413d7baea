// module bisect
