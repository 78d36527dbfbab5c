package loyalty
