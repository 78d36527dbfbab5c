module github.com/loyaltykit/loyalty

go 1.26

require (
	github.com/shopspring/decimal v1.6.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
)
